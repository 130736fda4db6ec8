"""Legitimate relationships, read from the feeds at the moment of each decision, and the grants people took.

| actor's organisation | roles                | relationship                                                   |
| -------------------- | -------------------- | -------------------------------------------------------------- |
| GP practice          | gp, nurse, clinician | registered_gp: a registration at the practice not yet ended     |
| hospital trust       | clinician, nurse     | open_episode: an encounter at the trust, started, not ended     |
| council              | social_worker        | allocated_worker: named (display name or username) as the       |
|                      |                      | Allocated_Worker on a current ASC event                         |
|                      |                      | open_care_package: an ASC service started and not ended         |
| any                  | any care role        | self_claimed / break_glass: a grant with a reason, not expired  |
| (none)               | citizen              | self: their login is linked to the person                       |

Derived relationships come first; a claimed one next; break glass last (it is the most scrutinised).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, bindparam, select
from sqlalchemy.orm import Session

from socialdata.access.decisions import Actor, RelationshipBasis, RelationshipKind
from socialdata.access.person_facts import LocalEvent, PersonFacts
from socialdata.governance.users import Role
from socialdata.store.models import (
    CitizenLink,
    OrganisationKind,
    Person,
    PersonLink,
    PersonStatus,
    SourcePerson,
    UserAccount,
)

MAX_MERGE_HOPS = 8
# An encounter that never happened; and one finished without an end date in its period.
VOID_ENCOUNTER_STATUSES = ("cancelled", "entered-in-error")
FINISHED = "finished"
ASC_KINDS = ("asc_request", "asc_assessment", "asc_service", "asc_review")
ALLOCATED_WORKER_KEYS = ("allocated_worker", "Allocated_Worker")  # as the loader stores it; as the CSV names it

_GP_ROLES = frozenset({Role.GP, Role.NURSE, Role.CLINICIAN})
_TRUST_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})


@dataclass(frozen=True)
class LinkedPerson:
    """The active person an id stands for, with their linked source records (the partners' records), oldest first."""

    person_id: str
    sources: list[SourcePerson]


def resolve_person(session: Session, person_id: str) -> str | None:
    """The active person an id stands for (following merges), or None when there is none: unknown or retired."""
    current = person_id
    for _ in range(MAX_MERGE_HOPS):
        person = session.get(Person, current)
        if person is None:
            return None
        if person.status == PersonStatus.ACTIVE:
            return person.id
        if person.status != PersonStatus.MERGED or person.merged_into is None:
            return None
        current = person.merged_into
    return None


_PERSON_WITH_SOURCES = (  # built once: keying a prebuilt statement is free, building one is not
    select(Person.status, Person.merged_into, SourcePerson)
    .select_from(Person)
    .outerjoin(PersonLink, PersonLink.person_id == Person.id)
    .outerjoin(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
    .where(Person.id == bindparam("person_id", type_=String))
    .order_by(SourcePerson.id)
)


def load_person(session: Session, person_id: str) -> LinkedPerson | None:
    """As `resolve_person`, fetching the active person's linked source records in the same statement (one round
    trip for the usual, unmerged id)."""
    current = person_id
    for _ in range(MAX_MERGE_HOPS):
        rows = session.execute(_PERSON_WITH_SOURCES, {"person_id": current}).all()
        if not rows:
            return None
        status, merged_into, _first = rows[0]
        if status == PersonStatus.ACTIVE:
            return LinkedPerson(current, [source for _s, _m, source in rows if source is not None])
        if status != PersonStatus.MERGED or merged_into is None:
            return None
        current = merged_into
    return None


def _covers(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> bool:
    return (start is None or start <= now) and (end is None or end > now)


def _registered_gp(
    org: str, here: Sequence[LocalEvent], sources: Sequence[SourcePerson], now: dt.datetime
) -> str | None:
    registrations = [e for e in here if e.kind == "registration"]
    current = [e.start_at for e in registrations if _covers(e.start_at, e.end_at, now)]
    if current:
        since = min((s for s in current if s is not None), default=None)
        return f"Registered at {org}" + (f" since {since.date().isoformat()}" if since else "")
    if registrations:
        return None  # the practice's own feed says the registration has ended
    if any(key.registered_practice == org for key in sources):
        return f"Registered at {org} (as the other partners' records say)"
    return None


def _open_encounter(event: LocalEvent, now: dt.datetime) -> bool:
    if event.kind != "encounter" or event.start_at is None or event.start_at > now:
        return False
    if event.status in VOID_ENCOUNTER_STATUSES:
        return False
    # The period decides when it has an end; without one, a finished status closes it.
    return event.end_at > now if event.end_at is not None else event.status != FINISHED


def _open_episode(org: str, here: Sequence[LocalEvent], now: dt.datetime) -> str | None:
    starts = [e.start_at for e in here if e.start_at is not None and _open_encounter(e, now)]
    if not starts:
        return None
    return f"Open episode at {org} since {min(starts).date().isoformat()}"


def _council_basis(
    session: Session, actor: Actor, org: str, here: Sequence[LocalEvent], now: dt.datetime
) -> RelationshipBasis | None:
    current = [e for e in here if e.kind in ASC_KINDS and _covers(e.start_at, e.end_at, now)]
    if not current:
        return None
    # The council names its worker as people write names ("Ben Carter"); a login may also carry it as its username.
    display_name = actor.display_name
    if display_name is None:  # the caller did not bring it with the actor
        display_name = session.scalar(select(UserAccount.display_name).where(UserAccount.id == actor.user_id))
    me = {name.strip().casefold() for name in (actor.username, display_name or "") if name.strip()}
    for event in current:
        workers = {str(event.detail.get(key, "")).strip().casefold() for key in ALLOCATED_WORKER_KEYS}
        if me & workers:
            return RelationshipBasis(RelationshipKind.ALLOCATED_WORKER, f"Allocated worker at {org}")
    services = sorted(e.start_at for e in current if e.kind == "asc_service" and e.start_at is not None)
    if services:
        detail = f"Care package with {org} since {services[0].date().isoformat()}"
        return RelationshipBasis(RelationshipKind.OPEN_CARE_PACKAGE, detail)
    return None


def derived_basis(
    session: Session, actor: Actor, facts: PersonFacts, sources: Sequence[SourcePerson], now: dt.datetime
) -> RelationshipBasis | None:
    """The relationship the feeds show between the actor's organisation and the person, if any, from the events that
    organisation sent about them (read with the other facts, so deciding takes no further round trip)."""
    org = actor.organisation_id
    if org is None or not sources:
        return None
    kind, here = facts.organisation_kind, facts.local_events
    if kind == OrganisationKind.GP_PRACTICE and actor.role in _GP_ROLES:
        detail = _registered_gp(org, here, sources, now)
        return RelationshipBasis(RelationshipKind.REGISTERED_GP, detail) if detail else None
    if kind == OrganisationKind.HOSPITAL_TRUST and actor.role in _TRUST_ROLES:
        detail = _open_episode(org, here, now)
        return RelationshipBasis(RelationshipKind.OPEN_EPISODE, detail) if detail else None
    if kind == OrganisationKind.COUNCIL and actor.role == Role.SOCIAL_WORKER:
        return _council_basis(session, actor, org, here, now)
    return None


def citizen_basis(session: Session, actor: Actor, person_id: str) -> RelationshipBasis | None:
    link = session.get(CitizenLink, actor.user_id)
    if link is None or resolve_person(session, link.person_id) != person_id:
        return None
    return RelationshipBasis(RelationshipKind.SELF, "Your own record")
