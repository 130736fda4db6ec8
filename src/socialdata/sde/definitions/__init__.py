"""Dataset definitions: researchers describe the rows they need in Python; an engine computes them on the extract.

    dataset = load_definition(Path("definition.py"))
    table = run_definition(dataset, Path("extract.duckdb"))   # one row per patient in the population
    write_results(table, Path("outputs/dataset.csv"))

The language is in query_language.py, the frozen query model in query_model/, the Ibis compiler and the engines in
query_engines/ and dummy data for working before access in dummy_data.py.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]  # no stubs in the environment
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]  # no stubs in the environment
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # no stubs in the environment

from socialdata.errors import UserError
from socialdata.sde.definitions.loading import load_definition
from socialdata.sde.definitions.query_engines.engine import IbisEngine, duckdb_engine, postgres_engine
from socialdata.sde.definitions.query_language import Dataset

__all__ = [
    "Dataset",
    "IbisEngine",
    "duckdb_engine",
    "load_definition",
    "postgres_engine",
    "run_definition",
    "write_results",
]


def run_definition(dataset: Dataset, duckdb_path: Path, threads: int | None = None) -> pa.Table:
    """The definition's rows computed on a DuckDB extract (opened read-only): patient_id and one column a variable."""
    engine = duckdb_engine(Path(duckdb_path), threads)
    try:
        return engine.run(dataset.query())
    finally:
        engine.close()


def write_results(table: pa.Table, path: Path) -> Path:
    """Write the rows as CSV (.csv) or Parquet (.parquet), by the file's suffix."""
    path = Path(path)
    if path.suffix == ".csv":
        pa_csv.write_csv(table, path)
    elif path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        raise UserError(f"cannot write {path.name}: name it .csv or .parquet", where="output")
    return path
