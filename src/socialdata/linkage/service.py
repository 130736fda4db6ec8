"""`sdf link`: every source record from the store, through the linkage engine, into the master person index.

The engine works in an in-memory DuckDB; the index is written in one transaction, so a failed run changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Protocol

import duckdb
from sqlalchemy import case, func, select

from socialdata.errors import UserError
from socialdata.identity import NhsNumberStatus
from socialdata.linkage.batch import BatchResult, link_batch, records_to_duckdb
from socialdata.linkage.mpi import LinkOutcome, RunSummary, persist_run
from socialdata.linkage.records import LinkRecord
from socialdata.linkage.review import steward_decisions
from socialdata.store import Database
from socialdata.store.models import SourcePerson
from socialdata.store.types import utcnow

RECORDS_TABLE = "link_records"
LOAD_CHUNK = 10_000


class LinkProgress(Protocol):
    """Told each stage of a run and how far it has got (the CLI draws bars; tests pass nothing)."""

    def stage(self, description: str, total: int | None = None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def done(self) -> None: ...


class _Silent:
    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


# LinkRecord's fields in order; the NHS number only when it passed validation (a flagged one is no evidence).
LINK_RECORD_COLUMNS = (
    SourcePerson.id,
    SourcePerson.organisation_id,
    SourcePerson.source_id,
    case((SourcePerson.nhs_number_status == NhsNumberStatus.VALID.value, SourcePerson.nhs_number), else_=None),
    SourcePerson.given_name,
    SourcePerson.other_given_names,
    SourcePerson.family_name,
    SourcePerson.birth_date,
    SourcePerson.sex,
    SourcePerson.postcode,
    SourcePerson.address,
    SourcePerson.death_date,
)


def _records(db: Database, total: int, progress: LinkProgress) -> Iterator[LinkRecord]:
    """Every source person as the engine may use it: plain columns, not ORM objects, for speed."""
    progress.stage("Reading source records", total)
    with db.session() as s:
        query = select(*LINK_RECORD_COLUMNS).order_by(SourcePerson.id).execution_options(yield_per=LOAD_CHUNK)
        for i, row in enumerate(s.execute(query), 1):
            yield LinkRecord(*row)
            if i % LOAD_CHUNK == 0:
                progress.advance(LOAD_CHUNK)
        progress.advance(total % LOAD_CHUNK)


def _outcome(result: BatchResult) -> LinkOutcome:
    return LinkOutcome(
        clusters=result.clusters,
        links=result.links,
        review=result.review,
        conflicts=result.conflicts,
        model=json.loads(result.model.to_json()),
        stats=dataclasses.asdict(result.stats),
    )


def run_linkage(db: Database, progress: LinkProgress | None = None) -> RunSummary:
    """Link every source record and store the new index.

    The stewards' decisions are honoured (match = must-link, non_match = cannot-link) and train the model as
    labelled pairs: the engine fits its model on this run's data with them.
    """
    progress = progress or _Silent()
    started = utcnow()
    with db.session() as s:
        decisions = steward_decisions(s)
        total = s.scalar(select(func.count()).select_from(SourcePerson)) or 0
    if total == 0:
        raise UserError("there are no source records to link yet; load partner feeds first with `sdf ingest`")
    con = duckdb.connect()
    try:
        records_to_duckdb(con, list(_records(db, total, progress)), RECORDS_TABLE)
        progress.stage("Training the model and linking")
        result = link_batch(con, RECORDS_TABLE, model=None, decisions=decisions)
    finally:
        con.close()
    progress.stage("Writing the person index")
    with db.session() as s:
        summary = persist_run(s, _outcome(result), started_at=started)
    progress.done()
    return summary
