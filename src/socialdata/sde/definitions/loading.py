"""Loading a researcher's dataset definition file: run it, take its `dataset`, and report mistakes by line.

The file is Python, so loading it runs the researcher's code: inside the secure environment that happens in the job's
sandbox, never in the platform's own process with its keys.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from socialdata.errors import UserError
from socialdata.sde.definitions.query_language import Dataset, definition_folder


def load_definition(path: Path) -> Dataset:
    """The `dataset` a definition file makes; any error is a UserError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"there is no dataset definition {path}", where="definition")
    source = path.read_text(encoding="utf-8")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        raise UserError(f"not valid Python: {error.msg}", where=f"{path.name}, line {error.lineno}") from None
    namespace: dict[str, object] = {"__name__": "dataset_definition", "__file__": str(path)}
    token = definition_folder.set(path.resolve().parent)
    try:
        exec(code, namespace)  # noqa: S102 -- a definition is the researcher's own code, run where their job runs
    except Exception as error:
        line = _line_in(path, error)
        message = error.message if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        raise UserError(message, where=f"{path.name}, line {line}" if line else path.name) from None
    finally:
        definition_folder.reset(token)
    dataset = namespace.get("dataset")
    if not isinstance(dataset, Dataset):
        raise UserError("the definition must make a variable named `dataset` with create_dataset()", where=path.name)
    try:
        dataset.query()
    except UserError as error:
        raise UserError(error.message, where=path.name) from None
    return dataset


def _line_in(path: Path, error: BaseException) -> int | None:
    """The last line of the definition file the error passed through."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line
