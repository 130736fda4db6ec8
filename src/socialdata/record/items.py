"""One line of a person's record as professionals see it, with where it came from: the partner, the submission that
carried it and when it was loaded — or, for what a professional added, its author."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import SOURCE_EVENT, ItemFacts, ItemRef
from socialdata.record.rows import RECORD_ENTRY, EntryRow, EventRow
from socialdata.store.models import FeedSubmission, Organisation, RecordEntry, SourceEvent

KIND_LABELS = {
    "encounter": "Hospital encounter",
    "condition": "Problem or diagnosis",
    "procedure": "Procedure",
    "observation": "Observation",
    "allergy": "Allergy",
    "medication": "Medication",
    "registration": "GP registration",
    "asc_request": "Social care request",
    "asc_assessment": "Social care assessment",
    "asc_service": "Care package",
    "asc_review": "Social care review",
    "note": "Note",
    "care_plan": "Care plan entry",
}


@dataclass(frozen=True)
class Provenance:
    """Where an item came from: a feed submission (file, load time) or a professional's own entry (author)."""

    organisation_id: str | None
    organisation_name: str
    submission_id: int | None = None
    submission_file: str | None = None
    loaded_at: dt.datetime | None = None
    source_id: str | None = None
    author: str | None = None
    author_role: str | None = None


@dataclass(frozen=True)
class TimelineItem:
    """An item of the timeline: what, when, and from where."""

    ref: ItemRef
    kind: str
    when: dt.datetime | None
    until: dt.datetime | None
    title: str
    status: str | None
    code_system: str | None
    code: str | None
    value: str | None
    provenance: Provenance

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " "))


def entry_facts(entry: EntryRow | RecordEntry) -> ItemFacts:
    """A professional's entry as the gate's policy sees it: its author's organisation (for the person's objections)."""
    return ItemFacts(ref=ItemRef(RECORD_ENTRY, entry.id), organisation_id=entry.organisation_id or "")


@dataclass(frozen=True)
class SourceNames:
    """Organisation names and submission files for ORM rows read without them (the record's own read joins them)."""

    organisations: dict[str, str]
    submissions: dict[int, tuple[str, dt.datetime | None]]

    @classmethod
    def load(cls, session: Session, submission_ids: Iterable[int]) -> SourceNames:
        organisations = {org_id: name for org_id, name in session.execute(select(Organisation.id, Organisation.name))}
        ids = sorted(set(submission_ids))
        submissions: dict[int, tuple[str, dt.datetime | None]] = {}
        if ids:
            rows = session.execute(
                select(FeedSubmission.id, FeedSubmission.file_name, FeedSubmission.loaded_at).where(
                    FeedSubmission.id.in_(ids)
                )
            )
            submissions = {sub_id: (name, loaded) for sub_id, name, loaded in rows}
        return cls(organisations, submissions)

    def organisation(self, org_id: str | None) -> str:
        return self.organisations.get(org_id or "", org_id or "no organisation")


def _value(event: EventRow) -> str | None:
    if event.value_num is not None:
        number = f"{event.value_num:g}"
        if event.value_unit == "GBP":
            return f"£{event.value_num:,.2f}"
        return f"{number} {event.value_unit}" if event.value_unit else number
    return event.value_text


def _event_title(event: EventRow) -> str:
    if event.display:
        return event.display
    if event.kind == "registration":
        return f"Registered with {event.organisation_id}"
    detail = event.detail or {}
    service = detail.get("service_type_display") or detail.get("service_component")
    if isinstance(service, str) and service:
        return service
    return KIND_LABELS.get(event.kind, event.kind)


def _organisation_name(org_id: str | None, name: str | None) -> str:
    return name or org_id or "no organisation"


def event_row_item(event: EventRow) -> TimelineItem:
    """A feed event as a timeline item, with the partner, submission and load time it came with."""
    return TimelineItem(
        ref=ItemRef(SOURCE_EVENT, event.id),
        kind=event.kind,
        when=event.start_at,
        until=event.end_at,
        title=_event_title(event),
        status=event.status,
        code_system=event.code_system,
        code=event.code,
        value=_value(event),
        provenance=Provenance(
            organisation_id=event.organisation_id,
            organisation_name=_organisation_name(event.organisation_id, event.organisation_name),
            submission_id=event.submission_id,
            submission_file=event.file_name,
            loaded_at=event.loaded_at,
            source_id=event.source_id,
        ),
    )


def entry_row_item(entry: EntryRow) -> TimelineItem:
    """A professional's entry as a timeline item, with its author."""
    return TimelineItem(
        ref=ItemRef(RECORD_ENTRY, entry.id),
        kind=entry.kind,
        when=entry.created_at,
        until=None,
        title=entry.text,
        status=None,
        code_system=None,
        code=None,
        value=None,
        provenance=Provenance(
            organisation_id=entry.organisation_id,
            organisation_name=_organisation_name(entry.organisation_id, entry.organisation_name),
            author=entry.author_name,
            author_role=entry.author_role,
        ),
    )


def event_row(event: SourceEvent, names: SourceNames) -> EventRow:
    """An ORM feed event in the record's row shape, its names looked up in `names`."""
    file_name, _loaded = names.submissions.get(event.submission_id, (None, None))
    return EventRow(
        event.id,
        event.kind,
        event.start_at,
        event.end_at,
        event.display,
        event.status,
        event.code_system,
        event.code,
        event.value_num,
        event.value_unit,
        event.value_text,
        event.detail,
        event.organisation_id,
        names.organisation(event.organisation_id),
        event.submission_id,
        file_name,
        event.loaded_at,
        event.source_id,
    )


def entry_row(entry: RecordEntry, names: SourceNames) -> EntryRow:
    """An ORM entry in the record's row shape, its organisation's name looked up in `names`."""
    return EntryRow(
        entry.id,
        entry.kind,
        entry.created_at,
        entry.text,
        entry.organisation_id,
        names.organisation(entry.organisation_id),
        entry.author_name,
        entry.author_role,
    )


def event_item(event: SourceEvent, names: SourceNames) -> TimelineItem:
    return event_row_item(event_row(event, names))


def entry_item(entry: RecordEntry, names: SourceNames) -> TimelineItem:
    return entry_row_item(entry_row(entry, names))
