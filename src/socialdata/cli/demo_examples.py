"""Where the demo's professionals work and which record each login can open, read from the loaded feeds and linked
index, each example confirmed by asking the gate (so the demo never promises a record the gate would refuse).

Candidates come from the store by their keys only (which practice has most registrations, which council worker holds
most open cases, who is in hospital now); what the demo prints about a person comes back through the gate, audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from socialdata.access import AccessDenied, AccessGate, Actor, Purpose, link_citizen
from socialdata.governance.users import Role, User
from socialdata.store import Database
from socialdata.store.models import (
    CitizenLink,
    Organisation,
    OrganisationKind,
    Person,
    PersonLink,
    PersonStatus,
    SourceEvent,
    SourcePerson,
)
from socialdata.store.types import utcnow

CANDIDATES = 25
"""How many people to offer the gate for one login before saying there is no example."""
WORKER_KEY = "allocated_worker"
"""Where the council loader keeps the CLD's Allocated_Worker (on every request, assessment, service and review)."""


@dataclass(frozen=True)
class DemoExample:
    """A record the login may open, with the reason the gate gave."""

    person_id: str
    nhs_number: str | None
    name: str
    basis: str


def _open_now(now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        or_(SourceEvent.start_at.is_(None), SourceEvent.start_at <= now),
        or_(SourceEvent.end_at.is_(None), SourceEvent.end_at > now),
    ]


def busiest_practice(db: Database) -> str | None:
    """The GP practice with most current registrations (ties to the lowest code)."""
    with db.session() as s:
        rows = s.execute(
            select(SourceEvent.organisation_id, SourceEvent.person_source_id)
            .join(Organisation, Organisation.id == SourceEvent.organisation_id)
            .where(
                Organisation.kind == OrganisationKind.GP_PRACTICE,
                SourceEvent.kind == "registration",
                *_open_now(utcnow()),
            )
        ).all()
    return _most_common(practice for practice, _ in set(rows))


def busiest_worker(db: Database, council: str) -> str | None:
    """The council's allocated worker with the most people on their current caseload (ties to the first name)."""
    with db.session() as s:
        rows = s.execute(
            select(SourceEvent.person_source_id, SourceEvent.detail).where(
                SourceEvent.organisation_id == council, *_open_now(utcnow())
            )
        ).all()
    cases = {(str(detail.get(WORKER_KEY)), person) for person, detail in rows if (detail or {}).get(WORKER_KEY)}
    return _most_common(worker for worker, _ in cases)


def _most_common(names: Iterable[str]) -> str | None:
    """The name counted most often (ties to the first in order), so the same data always gives the same answer."""
    ranked = sorted(Counter(names).items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0] if ranked else None


def _people(s: Session, organisation: str, source_ids: Iterable[str]) -> list[str]:
    """The linked (active) people behind these source ids, in the order given, each once."""
    wanted = list(dict.fromkeys(source_ids))
    rows = s.execute(
        select(SourcePerson.source_id, PersonLink.person_id)
        .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .join(Person, Person.id == PersonLink.person_id)
        .where(SourcePerson.organisation_id == organisation, Person.status == PersonStatus.ACTIVE)
    ).all()
    person_of = dict(rows)
    return list(dict.fromkeys(person_of[source] for source in wanted if source in person_of))


def _candidates(db: Database, user: User) -> list[str]:
    """People the user's organisation has a current relationship with, by the feeds' keys, most telling first."""
    org = user.organisation_id
    if org is None:
        return []
    now = utcnow()
    with db.session() as s:
        at_org = [SourceEvent.organisation_id == org, *_open_now(now)]
        if user.role == Role.GP:
            rows = s.execute(
                select(SourceEvent.person_source_id)
                .where(*at_org, SourceEvent.kind == "registration")
                .order_by(SourceEvent.person_source_id)
            ).all()
            return _people(s, org, (source for (source,) in rows))[:CANDIDATES]
        if user.role in (Role.CLINICIAN, Role.NURSE):
            encounters = s.execute(
                select(SourceEvent.person_source_id, SourceEvent.code, SourceEvent.start_at)
                .where(*at_org, SourceEvent.kind == "encounter", SourceEvent.status == "in-progress")
                .order_by(SourceEvent.start_at.desc(), SourceEvent.person_source_id)
            ).all()
            inpatients_first = sorted(encounters, key=lambda row: row[1] != "IMP")  # latest admission first
            return _people(s, org, (source for source, _code, _start in inpatients_first))[:CANDIDATES]
        if user.role == Role.SOCIAL_WORKER:
            cases = s.execute(
                select(SourceEvent.person_source_id, SourceEvent.detail)
                .where(*at_org)
                .order_by(SourceEvent.person_source_id)
            ).all()
            mine = user.display_name.strip().casefold()
            caseload = [p for p, detail in cases if str((detail or {}).get(WORKER_KEY, "")).strip().casefold() == mine]
            return _people(s, org, caseload)[:CANDIDATES]
    return []


def _citizen_person(db: Database, user: User) -> str | None:
    """The person the citizen login is linked to; on the first run, the person known to most partners is linked."""
    with db.session() as s:
        link = s.get(CitizenLink, user.id)
        if link is not None:
            return link.person_id
        rows = s.execute(
            select(PersonLink.person_id, SourcePerson.organisation_id, SourcePerson.death_date)
            .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
            .join(Person, Person.id == PersonLink.person_id)
            .where(Person.status == PersonStatus.ACTIVE)
        ).all()
        died = {person for person, _org, death in rows if death is not None}
        person = _most_common(person for person, _org in {(p, org) for p, org, _ in rows if p not in died})
        if person is not None:
            link_citizen(s, user.id, person, now=utcnow())
        return person


def _opened(gate: AccessGate, actor: Actor, person_id: str, purpose: Purpose) -> DemoExample | None:
    try:
        with gate.open_person(actor, person_id, purpose) as record:
            sources = record.source_persons()
            nhs = next((p.nhs_number for p in sources if p.nhs_number), None)
            named = next((p for p in sources if p.family_name), None)
            name = f"{named.given_name or ''} {named.family_name}".strip() if named else "(no name)"
            label, detail = record.basis.kind.label, record.basis.detail
            basis = label if detail in ("", label) else f"{label} ({detail})"
            return DemoExample(person_id=record.person_id, nhs_number=nhs, name=name, basis=basis)
    except AccessDenied:
        return None


def find_example(db: Database, user: User) -> DemoExample | None:
    """The first candidate record the gate lets this user open (a citizen: their own), or None."""
    gate = AccessGate(db)
    actor = Actor.of(user)
    if user.role == Role.CITIZEN:
        person = _citizen_person(db, user)
        return _opened(gate, actor, person, Purpose.OWN_RECORD) if person else None
    for person in _candidates(db, user):
        example = _opened(gate, actor, person, Purpose.DIRECT_CARE)
        if example is not None:
            return example
    return None
