"""The summary at the top of a record: what a professional must know first, drawn from the items they may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from socialdata.access import Sensitivity, categorise
from socialdata.store.models import EntryKind, SourcePerson

ENDED_STATUSES = frozenset(
    {"inactive", "resolved", "remission", "completed", "stopped", "entered-in-error", "not-taken", "refuted"}
)
ASC_KINDS = ("asc_request", "asc_assessment", "asc_service", "asc_review")


class SummaryEvent(Protocol):
    """A feed event as the summary reads it: the record's plain rows and `SourceEvent` objects alike."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def start_at(self) -> dt.datetime | None: ...
    @property
    def end_at(self) -> dt.datetime | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def display(self) -> str | None: ...
    @property
    def code_system(self) -> str | None: ...
    @property
    def code(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any] | None: ...
    @property
    def organisation_id(self) -> str: ...


class SummaryEntry(Protocol):
    """A professional's entry as the summary (and its care plan) reads it."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def author_name(self) -> str: ...
    @property
    def created_at(self) -> dt.datetime: ...


@dataclass(frozen=True)
class Demographics:
    """The person as the partners know them: each field from the first record that has it (NHS-numbered first)."""

    name: str
    nhs_number: str | None
    birth_date: dt.date | None
    sex: str | None
    address: str | None
    postcode: str | None
    death_date: dt.date | None


@dataclass(frozen=True)
class Contact:
    """Someone involved in the person's care: the role they play, who, and for which organisation."""

    role: str
    name: str
    organisation_id: str


@dataclass(frozen=True)
class SummaryLine:
    event_id: int
    title: str
    since: dt.datetime | None
    detail: str | None
    organisation_id: str


@dataclass(frozen=True)
class RecordSummary:
    allergies: list[SummaryLine]
    medications: list[SummaryLine]
    problems: list[SummaryLine]
    alerts: list[str]
    care_package: SummaryLine | None
    social_worker: str | None
    care_plan: list[SummaryEntry]
    contacts: list[Contact]


def demographics(people: Sequence[SourcePerson]) -> Demographics:
    ordered = sorted(people, key=lambda sp: (sp.nhs_number is None, sp.id))

    def first(field: str) -> object:
        return next((getattr(sp, field) for sp in ordered if getattr(sp, field) not in (None, "")), None)

    given, family = first("given_name"), first("family_name")
    name = " ".join(str(part) for part in (given, family) if part) or "Name not recorded"
    nhs, born, sex, address, postcode, died = (
        first(f) for f in ("nhs_number", "birth_date", "sex", "address", "postcode", "death_date")
    )
    return Demographics(
        name=name,
        nhs_number=nhs if isinstance(nhs, str) else None,
        birth_date=born if isinstance(born, dt.date) else None,
        sex=sex if isinstance(sex, str) else None,
        address=address if isinstance(address, str) else None,
        postcode=postcode if isinstance(postcode, str) else None,
        death_date=died if isinstance(died, dt.date) else None,
    )


def _current(event: SummaryEvent, now: dt.datetime) -> bool:
    started = event.start_at is None or event.start_at <= now
    not_ended = event.end_at is None or event.end_at > now
    return started and not_ended and (event.status or "").lower() not in ENDED_STATUSES


def _line(event: SummaryEvent, detail: str | None = None) -> SummaryLine:
    title = event.display or event.code or event.kind
    return SummaryLine(event.id, title, event.start_at, detail, event.organisation_id)


def _package_detail(event: SummaryEvent) -> str | None:
    detail = event.detail or {}
    parts = [
        str(detail[key]) for key in ("service_component", "delivery_mechanism") if isinstance(detail.get(key), str)
    ]
    units = detail.get("planned_units_per_week")
    if isinstance(units, int | float):
        parts.append(f"{units:g} units a week")
    return ", ".join(parts) or None


def _in_hospital(event: SummaryEvent, now: dt.datetime) -> bool:
    return event.kind == "encounter" and _current(event, now) and (event.status or "") not in ("finished", "cancelled")


def summarise(
    person: Demographics, events: Sequence[SummaryEvent], entries: Sequence[SummaryEntry], now: dt.datetime
) -> RecordSummary:
    """The summary from the events and entries the actor may see (oldest first), as of `now`."""
    current = [e for e in events if _current(e, now)]
    asc_current = [e for e in current if e.kind in ASC_KINDS]
    packages = [e for e in asc_current if e.kind == "asc_service"]
    workers = [str(worker) for e in asc_current if (worker := (e.detail or {}).get("allocated_worker"))]
    alerts = []
    if person.death_date is not None:
        alerts.append(f"Died on {person.death_date.isoformat()}")
    if any(categorise([(e.code_system, e.code)]) == Sensitivity.SAFEGUARDING for e in events):
        alerts.append("Safeguarding concern recorded")
    episodes = [e for e in events if _in_hospital(e, now)]
    if episodes:
        since = episodes[-1].start_at
        alerts.append("In hospital now" + (f" (since {since:%Y-%m-%d})" if since else ""))
    contacts = []
    for event in current:
        if event.kind == "registration":
            usual = (event.detail or {}).get("usual_gp")
            contacts.append(Contact("Registered GP practice", str(usual or "Practice team"), event.organisation_id))
    if workers:
        contacts.append(Contact("Allocated social worker", workers[-1], asc_current[-1].organisation_id))
    for episode in episodes[-1:]:
        contacts.append(Contact("Hospital team (open episode)", "Ward team", episode.organisation_id))
    return RecordSummary(
        allergies=[_line(e) for e in current if e.kind == "allergy"],
        medications=[_line(e) for e in current if e.kind == "medication"],
        problems=[_line(e) for e in current if e.kind == "condition"],
        alerts=alerts,
        care_package=_line(packages[-1], _package_detail(packages[-1])) if packages else None,
        social_worker=workers[-1] if workers else None,
        care_plan=sorted((x for x in entries if x.kind == EntryKind.CARE_PLAN), key=lambda x: x.id, reverse=True),
        contacts=contacts,
    )
