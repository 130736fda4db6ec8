"""Quality metrics of each dataset, measured on the store's own rows: counts and rates only, never a person's row.

Per dataset and per contributing partner: how many rows; how many carry an NHS number (completeness) and how many of
those pass the modulus-11 check (validity); how many belong to a person in the master person index (linkage rate);
how old the partner's latest loaded submission is and how far its newest event lies behind that load (timeliness);
and the share of the partner's received records that went to quarantine. Each dataset is one statement (its rows
grouped per partner and linked person, then per partner and overall) plus two partner-wide GROUP BYs over the
submissions and the quarantine, the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import CTE, and_, case, distinct, func, null, select, union_all
from sqlalchemy.orm import Session

from socialdata.governance.datasets import Dataset
from socialdata.identity.nhs_number import NhsNumberStatus
from socialdata.store.models import FeedSubmission, Organisation, PersonLink, QuarantineItem, SourceEvent, SourcePerson

_PRESENT = (NhsNumberStatus.VALID.value, NhsNumberStatus.INVALID.value)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Measures:
    """The counts behind the figures; rates are derived from them, so a dataset's totals are sums of its partners'."""

    rows: int = 0
    nhs_present: int = 0
    nhs_valid: int = 0
    linked: int = 0
    people: int = 0
    records_received: int = 0
    quarantined: int = 0
    last_loaded_at: dt.datetime | None = None
    first_event: dt.datetime | None = None
    last_event: dt.datetime | None = None

    @property
    def nhs_completeness(self) -> float | None:
        """Share of rows whose person came with an NHS number (valid or not)."""
        return _share(self.nhs_present, self.rows)

    @property
    def nhs_validity(self) -> float | None:
        """Share of the NHS numbers received that are valid (ten digits, modulus-11 check digit)."""
        return _share(self.nhs_valid, self.nhs_present)

    @property
    def linkage_rate(self) -> float | None:
        """Share of rows whose source record is linked to a person in the master person index."""
        return _share(self.linked, self.rows)

    @property
    def quarantine_rate(self) -> float | None:
        """Share of the partner's received records that were quarantined (a partner-wide figure)."""
        return _share(self.quarantined, self.records_received)

    @property
    def event_lag(self) -> dt.timedelta | None:
        """How far the newest event lies behind the latest load: a feed that stopped sending new events shows it."""
        if self.last_loaded_at is None or self.last_event is None:
            return None
        return max(self.last_loaded_at - self.last_event, dt.timedelta(0))

    def submission_age(self, now: dt.datetime) -> dt.timedelta | None:
        """How long ago the latest submission was loaded."""
        return None if self.last_loaded_at is None else max(now - self.last_loaded_at, dt.timedelta(0))

    def as_json(self, now: dt.datetime) -> dict[str, Any]:
        age = self.submission_age(now)
        lag = self.event_lag
        return {
            "rows": self.rows,
            "people": self.people,
            "nhs_number_completeness": self.nhs_completeness,
            "nhs_number_validity": self.nhs_validity,
            "linkage_rate": self.linkage_rate,
            "quarantine_rate": self.quarantine_rate,
            "records_received": self.records_received,
            "quarantined": self.quarantined,
            "last_loaded_at": _iso(self.last_loaded_at),
            "latest_submission_age_days": None if age is None else round(age.total_seconds() / 86400, 2),
            "first_event": _iso(self.first_event),
            "last_event": _iso(self.last_event),
            "event_lag_days": None if lag is None else round(lag.total_seconds() / 86400, 2),
        }


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class PartnerQuality:
    organisation_id: str
    name: str
    kind: str
    measures: Measures


@dataclass(frozen=True)
class DatasetQuality:
    dataset_id: str
    measured_at: dt.datetime
    total: Measures
    partners: tuple[PartnerQuality, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset_id,
            "measured_at": self.measured_at.isoformat(),
            "total": self.total.as_json(self.measured_at),
            "partners": [
                {"organisation": p.organisation_id, "name": p.name, "kind": p.kind}
                | p.measures.as_json(self.measured_at)
                for p in self.partners
            ],
        }


@dataclass(frozen=True)
class _PartnerFeeds:
    last_loaded_at: dt.datetime | None
    records_received: int
    quarantined: int


def _partner_feeds(session: Session) -> dict[str, _PartnerFeeds]:
    """Per partner: the latest load, records received (loaded plus quarantined) and quarantine items."""
    quarantined: dict[str, int] = {
        org: int(n)
        for org, n in session.execute(
            select(QuarantineItem.organisation_id, func.count()).group_by(QuarantineItem.organisation_id)
        )
    }
    feeds: dict[str, _PartnerFeeds] = {}
    submitted = select(
        FeedSubmission.organisation_id, func.max(FeedSubmission.loaded_at), func.sum(FeedSubmission.records_loaded)
    ).group_by(FeedSubmission.organisation_id)
    for org, last_loaded, loaded in session.execute(submitted):
        items = quarantined.get(org, 0)
        feeds[org] = _PartnerFeeds(last_loaded, int(loaded or 0) + items, items)
    return feeds


def _organisation_of(dataset: Dataset) -> Any:
    """The column naming the partner each of the dataset's rows came from."""
    return SourcePerson.organisation_id if dataset.is_people else SourceEvent.organisation_id


def _rows_of(dataset: Dataset) -> CTE:
    """The dataset's rows from partners of its source kinds: partner, NHS number status, linked person, event time."""
    columns = [
        _organisation_of(dataset).label("organisation_id"),
        SourcePerson.nhs_number_status.label("nhs"),
        PersonLink.person_id.label("person_id"),
    ]
    if dataset.is_people:
        query = select(*columns).select_from(SourcePerson)
    else:
        query = (
            select(*columns, SourceEvent.start_at.label("start_at"))
            .select_from(SourceEvent)
            .outerjoin(
                SourcePerson,
                and_(
                    SourcePerson.organisation_id == SourceEvent.organisation_id,
                    SourcePerson.source_id == SourceEvent.person_source_id,
                ),
            )
            .where(SourceEvent.kind.in_(dataset.event_kinds))
        )
    return (
        query.join(Organisation, Organisation.id == _organisation_of(dataset))
        .outerjoin(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .where(Organisation.kind.in_(dataset.sources))
        .cte(f"{dataset.id}_rows")
    )


def _per_person(dataset: Dataset) -> CTE:
    """The dataset's rows counted per partner and linked person (unlinked rows share one group per partner), so the
    people figures count groups instead of sorting every row for a DISTINCT."""
    rows = _rows_of(dataset)
    columns = [
        rows.c.organisation_id,
        rows.c.person_id,
        func.count().label("rows"),
        func.sum(case((rows.c.nhs.in_(_PRESENT), 1), else_=0)).label("present"),
        func.sum(case((rows.c.nhs == NhsNumberStatus.VALID.value, 1), else_=0)).label("valid"),
    ]
    if not dataset.is_people:
        columns += [func.min(rows.c.start_at).label("first"), func.max(rows.c.start_at).label("last")]
    return select(*columns).group_by(rows.c.organisation_id, rows.c.person_id).cte(f"{dataset.id}_per_person")


def _aggregates(groups: CTE, people: Any) -> tuple[Any, ...]:
    counts = (
        func.sum(groups.c.rows),
        func.sum(groups.c.present),
        func.sum(groups.c.valid),
        func.sum(case((groups.c.person_id.is_not(None), groups.c.rows), else_=0)),
        people,
    )
    return (*counts, func.min(groups.c.first), func.max(groups.c.last)) if "first" in groups.c else counts


def _counted(session: Session, dataset: Dataset) -> dict[str | None, Measures]:
    """Each partner's counts, and (under None) the whole dataset's, in one statement over one pass of the rows."""
    groups = _per_person(dataset)
    per_partner = select(groups.c.organisation_id, *_aggregates(groups, func.count(groups.c.person_id)))
    overall = select(null().label("organisation_id"), *_aggregates(groups, func.count(distinct(groups.c.person_id))))
    counted: dict[str | None, Measures] = {}
    query = union_all(per_partner.group_by(groups.c.organisation_id), overall)
    for org, total, present, valid, linked, persons, *dates in session.execute(query):
        counted[org] = Measures(
            rows=int(total or 0),  # sums over no rows are NULL
            nhs_present=int(present or 0),
            nhs_valid=int(valid or 0),
            linked=int(linked or 0),
            people=int(persons),
            first_event=dates[0] if dates else None,
            last_event=dates[1] if dates else None,
        )
    return counted


def _measure_one(
    session: Session, dataset: Dataset, feeds: dict[str, _PartnerFeeds], now: dt.datetime
) -> DatasetQuality:
    counted = _counted(session, dataset)
    partners = []
    for org_id, name, kind in session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind)
        .where(Organisation.kind.in_(dataset.sources))
        .order_by(Organisation.kind, Organisation.id)
    ):
        fed = feeds.get(org_id, _PartnerFeeds(None, 0, 0))
        measures = replace(
            counted.get(org_id, Measures()),
            last_loaded_at=fed.last_loaded_at,
            records_received=fed.records_received,
            quarantined=fed.quarantined,
        )
        partners.append(PartnerQuality(org_id, name, kind, measures))
    total = _with_feeds(counted.get(None, Measures()), [p.measures for p in partners])
    return DatasetQuality(dataset.id, now, total, tuple(partners))


def _with_feeds(counted: Measures, partners: list[Measures]) -> Measures:
    """The dataset's counts with its partners' feeds summed: records received, quarantined, the latest load."""
    loads = [m.last_loaded_at for m in partners if m.last_loaded_at is not None]
    return replace(
        counted,
        records_received=sum(m.records_received for m in partners),
        quarantined=sum(m.quarantined for m in partners),
        last_loaded_at=max(loads, default=None),
    )


def measure_quality(session: Session, datasets: Iterable[Dataset], now: dt.datetime) -> dict[str, DatasetQuality]:
    """The quality of each dataset given, as the store stands now (`now` dates the submission ages)."""
    feeds = _partner_feeds(session)
    return {dataset.id: _measure_one(session, dataset, feeds, now) for dataset in datasets}
