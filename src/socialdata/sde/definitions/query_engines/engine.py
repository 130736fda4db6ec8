"""An engine is an Ibis connection plus where its tables live: DuckDB (default) and PostgreSQL differ only here.

Another Ibis backend (PySpark, Trino) is one more constructor: the compiler and the query model stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ibis  # type: ignore[import-untyped]  # no stubs in the environment
import ibis.expr.types as ir  # type: ignore[import-untyped]  # no stubs in the environment
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs in the environment
from ibis.backends import BaseBackend  # type: ignore[import-untyped]  # no stubs in the environment
from ibis.common.exceptions import TableNotFound  # type: ignore[import-untyped]  # no stubs in the environment

from socialdata.errors import UserError
from socialdata.sde.definitions.query_engines.ibis_compiler import Compiler
from socialdata.sde.definitions.query_model import nodes


@dataclass
class IbisEngine:
    name: str
    connection: BaseBackend
    # The schema (PostgreSQL) or database the extract's tables are in; None is the connection's default.
    database: str | None = None
    _tables: dict[str, ir.Table | None] = field(default_factory=dict, repr=False)

    @property
    def first_keeps_nulls(self) -> bool:
        return bool(self.connection.name == "duckdb")

    def has_table(self, name: str) -> bool:
        return self._bound(name) is not None

    def table(self, name: str) -> ir.Table:
        table = self._bound(name)
        if table is None:
            raise UserError(f"the extract has no table {name!r}", where=name)
        return table

    def _bound(self, name: str) -> ir.Table | None:
        if name not in self._tables:
            try:
                self._tables[name] = self.connection.table(name, database=self.database)
            except TableNotFound:
                self._tables[name] = None
        return self._tables[name]

    def expression(self, query: nodes.DatasetQuery) -> ir.Table:
        return Compiler(self).dataset(query)

    def sql(self, query: nodes.DatasetQuery) -> str:
        """The SQL this engine runs for the query (for reading and for the job log)."""
        return str(ibis.to_sql(self.expression(query), dialect=self.connection.name))

    def run(self, query: nodes.DatasetQuery) -> pa.Table:
        return self.expression(query).to_pyarrow()

    def close(self) -> None:
        self.connection.disconnect()


def duckdb_engine(path: Path, threads: int | None = None) -> IbisEngine:
    """A DuckDB extract file, opened read-only (a definition never changes the extract)."""
    if not path.is_file():
        raise UserError(f"there is no extract file {path}", where="extract")
    connection = ibis.duckdb.connect(str(path), read_only=True)
    if threads is not None:
        connection.raw_sql(f"SET threads = {int(threads)}")
    return IbisEngine("duckdb", connection)


def postgres_engine(url: str, schema: str) -> IbisEngine:
    """Tables in one schema of a PostgreSQL database (postgresql://user@host:port/database)."""
    scheme, _, rest = url.partition("://")
    if not scheme.startswith("postgres"):
        raise UserError(f"{scheme}:// is not a PostgreSQL address", where="engine")
    return IbisEngine("postgres", ibis.connect(f"postgres://{rest}"), schema)
