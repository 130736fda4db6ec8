"""The Foundation at a glance: partners, submissions, record counts and quarantine, as aggregates only.

Nothing here reads a person's identifiers or a quarantined record's raw text; those go behind the access gate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from socialdata.store import Database
from socialdata.store.models import (
    BedState,
    CareHomeVacancy,
    FeedSubmission,
    Organisation,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
    SupplyStock,
)

RECENT_SUBMISSIONS = 100
QUARANTINE_PAGE_SIZE = 100
OPERATIONAL_TABLES = (
    ("Bed states", BedState),
    ("Care-home vacancies", CareHomeVacancy),
    ("Supply stocks", SupplyStock),
)


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    kind: str
    submissions: int


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    file_name: str
    organisation: str
    status: str
    records_loaded: int
    records_quarantined: int
    received_at: dt.datetime
    loaded_at: dt.datetime | None


@dataclass(frozen=True)
class PartnerCounts:
    """One partner's rows in the store: people, events per kind (aligned with RecordCounts.event_kinds), operational."""

    code: str
    name: str
    persons: int
    events: tuple[int, ...]
    operational: tuple[int, ...]


@dataclass(frozen=True)
class RecordCounts:
    event_kinds: tuple[str, ...]
    operational_labels: tuple[str, ...]
    partners: tuple[PartnerCounts, ...]


@dataclass(frozen=True)
class QuarantineCount:
    code: str
    name: str
    items: int


@dataclass(frozen=True)
class Overview:
    partners: tuple[Partner, ...]
    submissions: tuple[SubmissionRow, ...]
    submissions_total: int
    records: RecordCounts
    quarantine: tuple[QuarantineCount, ...]


@dataclass(frozen=True)
class QuarantineRow:
    """Where a record failed and why: never the record itself."""

    id: int
    organisation: str
    file_name: str
    location: str
    field: str | None
    message: str
    created_at: dt.datetime


@dataclass(frozen=True)
class QuarantinePage:
    rows: tuple[QuarantineRow, ...]
    total: int
    page: int
    pages: int
    organisation: str | None


def _counts_by_org(s: Session, query: Select[str, int]) -> dict[str, int]:
    return {org: count for org, count in s.execute(query)}


def _records(s: Session, partners: tuple[Partner, ...]) -> RecordCounts:
    persons = _counts_by_org(
        s, select(SourcePerson.organisation_id, func.count()).group_by(SourcePerson.organisation_id)
    )
    events: dict[tuple[str, str], int] = {
        (org, kind): count
        for org, kind, count in s.execute(
            select(SourceEvent.organisation_id, SourceEvent.kind, func.count()).group_by(
                SourceEvent.organisation_id, SourceEvent.kind
            )
        )
    }
    operational = [
        _counts_by_org(s, select(model.organisation_id, func.count()).group_by(model.organisation_id))
        for _, model in OPERATIONAL_TABLES
    ]
    kinds = tuple(sorted({kind for _, kind in events}))
    rows = tuple(
        PartnerCounts(
            code=p.code,
            name=p.name,
            persons=persons.get(p.code, 0),
            events=tuple(events.get((p.code, kind), 0) for kind in kinds),
            operational=tuple(table.get(p.code, 0) for table in operational),
        )
        for p in partners
    )
    return RecordCounts(
        event_kinds=kinds, operational_labels=tuple(label for label, _ in OPERATIONAL_TABLES), partners=rows
    )


def foundation_overview(db: Database) -> Overview:
    with db.session() as s:
        submitted = _counts_by_org(
            s, select(FeedSubmission.organisation_id, func.count()).group_by(FeedSubmission.organisation_id)
        )
        partners = tuple(
            Partner(code=o.id, name=o.name, kind=o.kind, submissions=submitted.get(o.id, 0))
            for o in s.scalars(select(Organisation).order_by(Organisation.kind, Organisation.id))
        )
        submissions = tuple(
            SubmissionRow(
                id=sub.id,
                file_name=sub.file_name,
                organisation=name,
                status=sub.status,
                records_loaded=sub.records_loaded,
                records_quarantined=sub.records_quarantined,
                received_at=sub.received_at,
                loaded_at=sub.loaded_at,
            )
            for sub, name in s.execute(
                select(FeedSubmission, Organisation.name)
                .join(Organisation, Organisation.id == FeedSubmission.organisation_id)
                .order_by(FeedSubmission.id.desc())
                .limit(RECENT_SUBMISSIONS)
            )
        )
        quarantined = _counts_by_org(
            s,
            select(QuarantineItem.organisation_id, func.count())
            .where(QuarantineItem.resolved.is_(False))
            .group_by(QuarantineItem.organisation_id),
        )
        return Overview(
            partners=partners,
            submissions=submissions,
            submissions_total=sum(submitted.values()),
            records=_records(s, partners),
            quarantine=tuple(
                QuarantineCount(code=p.code, name=p.name, items=quarantined[p.code])
                for p in partners
                if quarantined.get(p.code)
            ),
        )


def quarantine_page(s: Session, *, organisation: str | None, page: int) -> QuarantinePage:
    """One page of unresolved quarantine items, newest first, optionally for one partner."""
    unresolved = QuarantineItem.resolved.is_(False)
    where = [unresolved] if organisation is None else [unresolved, QuarantineItem.organisation_id == organisation]
    total = s.scalar(select(func.count()).select_from(QuarantineItem).where(*where)) or 0
    pages = max(1, -(-total // QUARANTINE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    # Named columns only: the raw record is person data and never leaves the store through this page.
    query = (
        select(
            QuarantineItem.id,
            Organisation.name,
            QuarantineItem.file_name,
            QuarantineItem.location,
            QuarantineItem.field,
            QuarantineItem.message,
            QuarantineItem.created_at,
        )
        .join(Organisation, Organisation.id == QuarantineItem.organisation_id)
        .where(*where)
        .order_by(QuarantineItem.id.desc())
        .offset((page - 1) * QUARANTINE_PAGE_SIZE)
        .limit(QUARANTINE_PAGE_SIZE)
    )
    rows = tuple(
        QuarantineRow(
            id=item_id,
            organisation=name,
            file_name=file_name,
            location=location,
            field=field,
            message=message,
            created_at=created_at,
        )
        for item_id, name, file_name, location, field, message, created_at in s.execute(query)
    )
    return QuarantinePage(rows=rows, total=total, page=page, pages=pages, organisation=organisation)
