"""Everything one submission writes, inside its one transaction: staged facts, quarantine items, the final merge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, exists, func, literal, select

from socialdata.feeds.problems import RecordProblem
from socialdata.feeds.rows import EventRow, FactRow, PersonRow
from socialdata.feeds.staging import StagedTable
from socialdata.store.models import QuarantineItem, SourceEvent, SourcePerson
from socialdata.store.types import UtcDateTime

BATCH_ROWS = 5000
_QUARANTINE: Table = QuarantineItem.__table__  # type: ignore[assignment]
_PERSON: Table = SourcePerson.__table__  # type: ignore[assignment]
_EVENT: Table = SourceEvent.__table__  # type: ignore[assignment]
_QUARANTINE_FROM_STAGE = (
    "organisation_id",
    "submission_id",
    "file_name",
    "location",
    "field",
    "message",
    "created_at",
    "resolved",
)


class SubmissionWriter:
    """What readers hand their records to; `location` is set by the reader to the record being read."""

    def __init__(self, conn: Connection, *, organisation: str, submission_id: int, file_name: str) -> None:
        self.conn = conn
        self.file_name = file_name
        self.organisation = organisation
        self.loaded_at = dt.datetime.now(dt.UTC)
        self.provenance = {"organisation_id": organisation, "submission_id": submission_id, "loaded_at": self.loaded_at}
        self.location = ""
        self.quarantined = 0
        self._stages: dict[str, StagedTable] = {}
        self._quarantine: list[dict[str, Any]] = []
        self._last_person_identity: tuple[str, ...] | None = None

    def _stage(self, target: Table) -> StagedTable:
        stage = self._stages.get(target.name)
        if stage is None:
            is_event = target is _EVENT  # events are staged with where their person reference was, and joined on it
            stage = self._stages[target.name] = StagedTable(
                self.conn,
                target,
                extra=("ref_field",) if is_event else (),
                joined_on=("person_source_id",) if is_event else (),
            )
        return stage

    def repeats_person(self, identity: tuple[str, ...]) -> bool:
        """Whether these identity fields, as received, are those of the person staged last.

        A feed that repeats the person on every event row (the council's CLD) skips checking and staging the copies.
        """
        return identity == self._last_person_identity

    def record(
        self, person: PersonRow | None, event: EventRow | None = None, *, person_identity: tuple[str, ...] | None = None
    ) -> None:
        """Stages a person and/or an event of one record; both are checked before either is kept.

        `person_identity` is the person's fields as received, remembered for `repeats_person` once it is staged.
        """
        people = self._stage(_PERSON)
        events = self._stage(_EVENT)
        if person is not None:
            people.check(person)
        if event is not None:
            events.check(event)
            self._add(events, event)
        if person is not None:
            self._add(people, person)
            self._last_person_identity = person_identity

    def fact(self, target: Table, row: FactRow) -> None:
        """Stages an operational row (bed state, care-home vacancy, supply stock)."""
        stage = self._stage(target)
        stage.check(row)
        self._add(stage, row)

    def _add(self, stage: StagedTable, row: Mapping[str, Any]) -> None:
        stage.pending.append((row, self.location))
        if len(stage.pending) >= BATCH_ROWS:
            stage.flush()

    def quarantine(self, problem: RecordProblem, raw: str | None) -> None:
        """Keeps the record being read, as received, with the field and the reason it cannot be interpreted."""
        location, field, message = self.location, problem.field, problem.message
        self.quarantined += 1
        self._quarantine.append(
            {
                "organisation_id": self.provenance["organisation_id"],
                "submission_id": self.provenance["submission_id"],
                "file_name": self.file_name[:500],
                "location": location[:100],
                "field": field[:200] if field else None,
                "message": message,
                "raw": raw,
                "created_at": self.loaded_at,
                "resolved": False,
            }
        )
        if len(self._quarantine) >= BATCH_ROWS:
            self._flush_quarantine()

    def _flush_quarantine(self) -> None:
        if self._quarantine:
            self.conn.execute(_QUARANTINE.insert(), self._quarantine)
            self._quarantine.clear()

    def finish(self) -> int:
        """Merges everything staged; returns how many events were quarantined for want of their person."""
        for stage in self._stages.values():
            stage.flush()
            stage.analyse()
        self._flush_quarantine()
        if person_stage := self._stages.get(_PERSON.name):
            person_stage.merge(self.provenance)
        orphans = 0
        if event_stage := self._stages.get(_EVENT.name):
            orphans = self._quarantine_orphans(event_stage)
            event_stage.merge(self.provenance, only_if=self._person_known(event_stage))
        for stage in self._stages.values():
            if stage.target is not _PERSON and stage.target is not _EVENT:
                stage.merge(self.provenance)
            stage.drop()
        self.quarantined += orphans
        return orphans

    def _person_known(self, events: StagedTable) -> Any:
        return exists().where(
            and_(
                _PERSON.c.organisation_id == self.provenance["organisation_id"],
                _PERSON.c.source_id == events.table.c.person_source_id,
            )
        )

    def _quarantine_orphans(self, events: StagedTable) -> int:
        """Events whose person is neither in this submission nor loaded before for this organisation."""
        stage = events.table.c
        org = self.provenance["organisation_id"]
        message = (
            literal("refers to person '")
            + stage.person_source_id
            + literal(f"', who is neither in this submission nor loaded before for {org}")
        )
        query = select(
            literal(org),
            literal(self.provenance["submission_id"]),
            literal(self.file_name[:500]),
            stage.location,
            stage.ref_field,
            message,
            literal(self.loaded_at, UtcDateTime()),
            literal(False),
        ).where(~self._person_known(events))
        orphans = self.conn.scalar(select(func.count()).select_from(query.subquery())) or 0
        if orphans:
            self.conn.execute(_QUARANTINE.insert().from_select(list(_QUARANTINE_FROM_STAGE), query))
        return orphans
