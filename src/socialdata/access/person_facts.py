"""What the gate must know about one person besides their records — the person's objections and sealed items, the
actor's unexpired grants on them, the kind of the actor's organisation, and the events at the actor's organisation
a relationship can rest on (registrations, encounters, social care) — read in one round trip (a UNION ALL), because
every record read needs all of it and each separate query is a database round trip on the hot path.

The conditions are the ones `consent.active_objections` and `consent.sealed_refs` apply (kept next to the grant and
organisation lookups here so the four share a single statement).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Label, String, Text, and_, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from socialdata.access.decisions import Actor, RelationshipBasis, RelationshipKind
from socialdata.consent import ItemRef
from socialdata.store.models import (
    AccessGrant,
    GrantKind,
    Organisation,
    PersonLink,
    SealedItem,
    SharingObjection,
    SourceEvent,
    SourcePerson,
)
from socialdata.store.types import JsonDoc, UtcDateTime

_GRANT, _OBJECTION, _SEALED, _ORGANISATION, _EVENT = "grant", "objection", "sealed", "organisation", "event"
# The kinds of event a derived relationship rests on (see `relationships`).
RELATIONSHIP_KINDS = ("registration", "encounter", "asc_request", "asc_assessment", "asc_service", "asc_review")


@dataclass(frozen=True)
class LocalEvent:
    """An event the actor's own organisation sent about the person, as a relationship reads it."""

    kind: str
    status: str | None
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class PersonFacts:
    """One actor's view of one person's consent and grants, as of one moment."""

    organisation_kind: str | None  # the kind of the actor's organisation (None: no organisation)
    objections: frozenset[str]  # organisations whose records the person objects to sharing outside them
    sealed: frozenset[ItemRef]
    grants: dict[GrantKind, RelationshipBasis]  # per kind, the actor's latest-ending unexpired, unrevoked grant
    local_events: tuple[LocalEvent, ...] = ()  # at the actor's organisation, of RELATIONSHIP_KINDS


def _tagged(tag: str) -> Label[str]:
    return literal(tag, String(16)).label("tag")


_NO_TEXT, _NO_NUMBER, _NO_TIME = cast(null(), Text), cast(null(), BigInteger), cast(null(), UtcDateTime)
_NO_DETAIL = cast(null(), JsonDoc)
_PERSON, _ORG = bindparam("person_id", type_=String), bindparam("organisation_id", type_=String)
_USER, _NOW = bindparam("user_id", type_=BigInteger), bindparam("now", type_=UtcDateTime)
# Built once: a prebuilt statement costs nothing to key on each execution, building it costs about 0.3 ms.
_FACTS = union_all(
    select(
        _tagged(_GRANT),
        AccessGrant.kind.label("name"),
        AccessGrant.reason.label("text"),
        AccessGrant.id.label("number"),
        AccessGrant.expires_at.label("at"),
        _NO_TIME.label("until"),
        _NO_DETAIL.label("detail"),
    ).where(
        AccessGrant.user_id == _USER,
        AccessGrant.person_id == _PERSON,
        AccessGrant.revoked_at.is_(None),
        AccessGrant.granted_at <= _NOW,
        AccessGrant.expires_at > _NOW,
    ),
    select(
        _tagged(_OBJECTION), SharingObjection.organisation_id, _NO_TEXT, _NO_NUMBER, _NO_TIME, _NO_TIME, _NO_DETAIL
    ).where(SharingObjection.person_id == _PERSON, SharingObjection.withdrawn_at.is_(None)),
    select(_tagged(_SEALED), SealedItem.item_type, _NO_TEXT, SealedItem.item_id, _NO_TIME, _NO_TIME, _NO_DETAIL).where(
        SealedItem.person_id == _PERSON
    ),
    select(_tagged(_ORGANISATION), Organisation.kind, _NO_TEXT, _NO_NUMBER, _NO_TIME, _NO_TIME, _NO_DETAIL).where(
        Organisation.id == _ORG
    ),
    select(
        _tagged(_EVENT),
        SourceEvent.kind,
        SourceEvent.status,
        _NO_NUMBER,
        SourceEvent.start_at,
        SourceEvent.end_at,
        SourceEvent.detail,
    )
    .select_from(PersonLink)
    .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
    .join(
        SourceEvent,
        and_(
            SourceEvent.organisation_id == SourcePerson.organisation_id,
            SourceEvent.person_source_id == SourcePerson.source_id,
        ),
    )
    .where(
        PersonLink.person_id == _PERSON,
        SourcePerson.organisation_id == _ORG,
        SourceEvent.kind.in_(RELATIONSHIP_KINDS),
    ),
)


def person_facts(session: Session, actor: Actor, person_id: str, now: dt.datetime) -> PersonFacts:
    """Objections, seals, the actor's active grants on the person, their organisation's kind and the events it sent
    about the person that a relationship can rest on: one statement."""
    params = {"person_id": person_id, "user_id": actor.user_id, "organisation_id": actor.organisation_id, "now": now}
    kind: str | None = None
    objections: set[str] = set()
    sealed: set[ItemRef] = set()
    grants: dict[GrantKind, tuple[dt.datetime, str]] = {}
    local: list[LocalEvent] = []
    for tag, name, text, number, at, until, detail in session.connection().execute(_FACTS, params).all():
        if tag == _EVENT:
            local.append(LocalEvent(name, text, at, until, detail or {}))
        elif tag == _ORGANISATION:
            kind = name
        elif tag == _OBJECTION:
            objections.add(name)
        elif tag == _SEALED:
            sealed.add(ItemRef(name, number))
        else:
            grant_kind = GrantKind(name)
            if grant_kind not in grants or at > grants[grant_kind][0]:
                grants[grant_kind] = (at, text)
    return PersonFacts(
        organisation_kind=kind,
        objections=frozenset(objections),
        sealed=frozenset(sealed),
        grants={
            grant_kind: RelationshipBasis(RelationshipKind(grant_kind), f"Reason given: {reason}", expires_at)
            for grant_kind, (expires_at, reason) in grants.items()
        },
        local_events=tuple(local),
    )
