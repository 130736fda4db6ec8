"""Reading the linked population's rows out of the operational store into DuckDB, in bulk.

Rows stream from the store in large batches and are appended to DuckDB as Arrow tables; nothing is handled row by
row beyond the driver's own tuples. Only people in the population (active in the index, and without a national data
opt-out when the project applies it) are read at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs in the environment
from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, select
from sqlalchemy.orm import Session

from socialdata.store.models import NationalOptOut, Organisation, Person, PersonLink, SourceEvent, SourcePerson

BATCH_ROWS = 100_000
StoreQuery = Select[*tuple[Any, ...]]

PEOPLE_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("org_kind", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("death_date", pa.date32()),
        ("postcode", pa.string()),
        ("practice", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)
EVENTS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("org_kind", pa.string()),
        ("organisation_id", pa.string()),
        ("source_id", pa.string()),
        ("kind", pa.string()),
        ("code_system", pa.string()),
        ("code", pa.string()),
        ("start_at", pa.timestamp("us", tz="UTC")),
        ("end_at", pa.timestamp("us", tz="UTC")),
        ("value_num", pa.float64()),
        ("encounter_ref", pa.string()),
        ("service_type", pa.string()),
        ("cost_frequency", pa.string()),
        ("planned_units", pa.float64()),
    ]
)


def _opted_out(person_id: Any) -> ColumnElement[bool]:
    return exists().where(NationalOptOut.person_id == person_id, NationalOptOut.opted_out.is_(True))


def _in_population(apply_opt_out: bool) -> ColumnElement[bool]:
    active = Person.status == "active"
    return and_(active, not_(_opted_out(PersonLink.person_id))) if apply_opt_out else active


def opted_out_count(session: Session) -> int:
    """People of the linked population left out of an extract because of their national data opt-out."""
    linked = exists().where(PersonLink.person_id == Person.id)
    stmt = select(func.count()).select_from(Person).where(Person.status == "active", linked, _opted_out(Person.id))
    return int(session.execute(stmt).scalar_one())


def people_query(apply_opt_out: bool) -> StoreQuery:
    """Every source record of every person in the population, with what the patients table is made from."""
    return (
        select(
            PersonLink.person_id,
            Organisation.kind,
            SourcePerson.sex,
            SourcePerson.birth_date,
            SourcePerson.death_date,
            SourcePerson.postcode,
            SourcePerson.registered_practice,
            SourcePerson.loaded_at,
        )
        .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
        .join(Organisation, Organisation.id == SourcePerson.organisation_id)
        .join(Person, Person.id == PersonLink.person_id)
        .where(_in_population(apply_opt_out))
    )


def events_query(apply_opt_out: bool, kinds: Sequence[str]) -> StoreQuery:
    """The population's events of the given kinds, each with the person it belongs to through the index."""
    detail = SourceEvent.detail
    return (
        select(
            PersonLink.person_id,
            Organisation.kind,
            SourceEvent.organisation_id,
            SourceEvent.source_id,
            SourceEvent.kind,
            SourceEvent.code_system,
            SourceEvent.code,
            SourceEvent.start_at,
            SourceEvent.end_at,
            SourceEvent.value_num,
            detail["encounter"].as_string(),
            detail["service_type"].as_string(),
            detail["cost_frequency"].as_string(),
            detail["planned_units_per_week"].as_float(),
        )
        .join(
            SourcePerson,
            and_(
                SourcePerson.organisation_id == SourceEvent.organisation_id,
                SourcePerson.source_id == SourceEvent.person_source_id,
            ),
        )
        .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .join(Person, Person.id == PersonLink.person_id)
        .join(Organisation, Organisation.id == SourceEvent.organisation_id)
        .where(SourceEvent.kind.in_(list(kinds)), _in_population(apply_opt_out))
    )


def _read_as(field: pa.Field, dates_as_text: bool) -> pa.DataType:
    """The Arrow type a batch column is read as: SQLite hands dates and timestamps over as ISO text, which DuckDB
    casts as it appends; other values (and every value from PostgreSQL) arrive typed."""
    temporal = pa.types.is_date(field.type) or pa.types.is_timestamp(field.type)
    return pa.string() if dates_as_text and temporal else field.type


def stage(session: Session, con: duckdb.DuckDBPyConnection, table: str, query: StoreQuery, schema: pa.Schema) -> int:
    """Stream the query's rows into a new DuckDB table of that schema; returns the row count.

    The rows come straight off the driver's cursor in the session's transaction: SQLAlchemy's per-value result
    processing is most of the cost of reading millions of rows. The query's only parameters are the platform's own
    constants (event kinds, flags), so it is rendered with them inline."""
    con.register("stage_batch", schema.empty_table())
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM stage_batch")
    con.unregister("stage_batch")
    connection = session.connection()
    dates_as_text = connection.dialect.name == "sqlite"
    types = [_read_as(field, dates_as_text) for field in schema]
    sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
    raw: Any = connection.connection.dbapi_connection
    # PostgreSQL: a server-side cursor, so the rows stream instead of landing in memory all at once.
    cursor = raw.cursor(name=f"sde_{table}") if connection.dialect.name == "postgresql" else raw.cursor()
    con.execute("SET TimeZone = 'UTC'")
    rows = 0
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH_ROWS):
            columns: list[Any] = list(zip(*batch, strict=True))
            arrow = pa.Table.from_arrays(
                [pa.array(values, type=kind) for values, kind in zip(columns, types, strict=True)],
                names=schema.names,
            )
            con.register("stage_batch", arrow)
            con.execute(f"INSERT INTO {table} SELECT * FROM stage_batch")
            con.unregister("stage_batch")
            rows += len(batch)
    finally:
        cursor.close()
    return rows
