"""Where the airlock keeps files under SDF_HOME: a snapshot of each requested file per revision (so what was checked
and reviewed is exactly what is released, whatever the job's workspace holds later), and the released copies."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path, PurePosixPath

from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.outputs.checks import read_csv_text
from socialdata.outputs.table_files import EVIDENCE_COLUMNS, column_key


def outputs_home(settings: Settings) -> Path:
    return settings.home / "outputs"


def snapshot_dir(settings: Settings, request_id: int, revision: int) -> Path:
    return outputs_home(settings) / "airlock" / f"request-{request_id}" / f"revision-{revision}"


def released_dir(settings: Settings, project_id: int, request_id: int) -> Path:
    return outputs_home(settings) / "released" / f"project-{project_id}" / f"request-{request_id}"


def checked_name(name: str) -> PurePosixPath:
    """A file's path relative to a job's outputs/ folder: no absolute paths, no way out of the folder."""
    path = PurePosixPath(name.strip())
    if not name.strip() or path.is_absolute() or ".." in path.parts or "\\" in name or "\x00" in name:
        raise UserError(f"{name!r} is not a file in the job's outputs folder", where="file")
    return path


def source_file(outputs: Path, name: str) -> Path:
    """The file `name` under a job's outputs/ folder; refuses links and anything that resolves outside it."""
    relative = checked_name(name)
    path = outputs / relative
    if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(outputs.resolve()):
        raise UserError(f"the job wrote no file {str(relative)!r} under outputs/", where="file")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def snapshot(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def release_copy(snapshot_path: Path, target: Path) -> None:
    """Copy a reviewed file to the released area; a table loses its contributor-evidence columns (largest,
    second_largest, negatives), which served the checks and would disclose a person's value."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if snapshot_path.suffix.lower() != ".csv":
        shutil.copyfile(snapshot_path, target)
        return
    frame = read_csv_text(snapshot_path.read_bytes())
    keep = [c for c in frame.columns if column_key(str(c)) not in EVIDENCE_COLUMNS]
    out = io.StringIO()
    frame[keep].to_csv(out, index=False)
    target.write_text(out.getvalue())
