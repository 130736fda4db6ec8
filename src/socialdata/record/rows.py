"""The record read on the hot path: every item of one person's record — feed events with the submission that carried
them and their organisation's name, and professionals' entries with theirs — in one prebuilt statement of plain rows.

Why: every record read paid for each statement (about 0.1-0.2 ms of Python per round trip) and each ORM object it
built (about 45 per record); plain tuples in one round trip cut the read's Python time by more than half (see
docs/performance.md, "Shared care record"). Nothing here is cached between requests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Float, Label, String, Text, and_, bindparam, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from socialdata.access import SOURCE_EVENT
from socialdata.store.models import (
    FeedSubmission,
    Organisation,
    Person,
    PersonLink,
    RecordEntry,
    SourceEvent,
    SourcePerson,
)
from socialdata.store.types import BigIntId, JsonDoc, UtcDateTime

RECORD_ENTRY = "record_entry"


class EventRow(NamedTuple):
    """A feed event as the record shows it, with its provenance (attribute names as on `SourceEvent`)."""

    id: int
    kind: str
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    display: str | None
    status: str | None
    code_system: str | None
    code: str | None
    value_num: float | None
    value_unit: str | None
    value_text: str | None
    detail: dict[str, Any] | None
    organisation_id: str
    organisation_name: str | None
    submission_id: int
    file_name: str | None
    loaded_at: dt.datetime | None
    source_id: str


class EntryRow(NamedTuple):
    """A professional's note or care-plan entry with its author (attribute names as on `RecordEntry`)."""

    id: int
    kind: str
    created_at: dt.datetime
    text: str
    organisation_id: str | None
    organisation_name: str | None
    author_name: str
    author_role: str


class RecordRows(NamedTuple):
    """One person's events, oldest first, and entries, in the order they were written."""

    events: list[EventRow]
    entries: list[EntryRow]


def _tag(name: str) -> Label[str]:
    return literal(name, String(16)).label("item_type")


_PERSON = bindparam("person_id", type_=String)
_EVENT_COLUMNS = (
    SourceEvent.id,
    SourceEvent.kind,
    SourceEvent.start_at,
    SourceEvent.end_at,
    SourceEvent.display,
    SourceEvent.status,
    SourceEvent.code_system,
    SourceEvent.code,
    SourceEvent.value_num,
    SourceEvent.value_unit,
    SourceEvent.value_text,
    SourceEvent.detail,
    SourceEvent.organisation_id,
    Organisation.name.label("organisation_name"),
    SourceEvent.submission_id,
    FeedSubmission.file_name,
    SourceEvent.loaded_at,
    SourceEvent.source_id,
)
_EVENTS = (
    select(_tag(SOURCE_EVENT), *_EVENT_COLUMNS, cast(null(), String).label("author_role"))
    .select_from(PersonLink)
    .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
    .join(
        SourceEvent,
        and_(
            SourceEvent.organisation_id == SourcePerson.organisation_id,
            SourceEvent.person_source_id == SourcePerson.source_id,
        ),
    )
    .outerjoin(Organisation, Organisation.id == SourceEvent.organisation_id)
    .outerjoin(FeedSubmission, FeedSubmission.id == SourceEvent.submission_id)
    .where(PersonLink.person_id == _PERSON)
)
# Entries on the person's id or an id the index merged into it (written before the merge, kept on the record), laid
# out in the events' columns: the text as `display`, the author as `source_id`, written at as `start_at`.
_NO_TEXT, _NO_TIME = cast(null(), Text), cast(null(), UtcDateTime)
_ENTRIES = (
    select(
        _tag(RECORD_ENTRY),
        RecordEntry.id,
        RecordEntry.kind,
        RecordEntry.created_at,
        _NO_TIME,
        RecordEntry.text,
        _NO_TEXT,
        _NO_TEXT,
        _NO_TEXT,
        cast(null(), Float),
        _NO_TEXT,
        _NO_TEXT,
        cast(null(), JsonDoc),
        RecordEntry.organisation_id,
        Organisation.name,
        cast(null(), BigIntId),
        _NO_TEXT,
        _NO_TIME,
        RecordEntry.author_name,
        RecordEntry.author_role,
    )
    .select_from(RecordEntry)
    .outerjoin(Organisation, Organisation.id == RecordEntry.organisation_id)
    .where(RecordEntry.person_id.in_(select(Person.id).where(or_(Person.id == _PERSON, Person.merged_into == _PERSON))))
)
_RECORD = union_all(_EVENTS, _ENTRIES)  # built once: keying a prebuilt statement is free, building one is not
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _oldest_first(event: EventRow) -> tuple[bool, dt.datetime, int]:
    return (event.start_at is None, event.start_at or _NEVER, event.id)


def record_rows(session: Session, person_id: str) -> RecordRows:
    """Every event and entry of the (active) person: one statement, plain rows. The caller filters them by the gate."""
    events: list[EventRow] = []
    entries: list[EntryRow] = []
    # On the session's connection: plain rows need none of the ORM's per-statement work (~0.1 ms a read).
    for row in session.connection().execute(_RECORD, {"person_id": person_id}).all():
        if row[0] == SOURCE_EVENT:
            events.append(EventRow._make(row[1:19]))
        else:
            entries.append(EntryRow(row[1], row[2], row[3], row[5], row[13], row[14], row[18], row[19]))
    events.sort(key=_oldest_first)
    entries.sort(key=lambda entry: entry.id)
    return RecordRows(events, entries)
