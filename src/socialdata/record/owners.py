"""Whose record an item is on, for reads that name an item but not its person (a FHIR resource read by id): the gate
decides on that person. An item with no owner (never stored, or of another kind) is refused and audited like one
the actor may not see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import NoReturn

from sqlalchemy import and_, select

from socialdata.access import SOURCE_EVENT, AccessDenied, Actor, Decision, ItemRef, Purpose
from socialdata.access.trail import pending
from socialdata.audit import Action, append_event
from socialdata.record.rows import RECORD_ENTRY
from socialdata.store import Database
from socialdata.store.models import PersonLink, RecordEntry, SourceEvent, SourcePerson

ITEM_REFUSED = "This item is not available to you."


def item_owner(db: Database, ref: ItemRef, kinds: Collection[str]) -> str | None:
    """The person id an event of one of `kinds`, or an entry of one of them, is on; None when there is none. Only
    the id is read, to ask the gate with: nothing of the item leaves here."""
    if ref.item_type == SOURCE_EVENT:
        query = (
            select(PersonLink.person_id)
            .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
            .join(
                SourceEvent,
                and_(
                    SourceEvent.organisation_id == SourcePerson.organisation_id,
                    SourceEvent.person_source_id == SourcePerson.source_id,
                ),
            )
            .where(SourceEvent.id == ref.item_id, SourceEvent.kind.in_(list(kinds)))
        )
    elif ref.item_type == RECORD_ENTRY:
        query = select(RecordEntry.person_id).where(RecordEntry.id == ref.item_id, RecordEntry.kind.in_(list(kinds)))
    else:
        return None
    with db.session() as s:
        return s.scalars(query.limit(1)).first()


def refuse_unknown_item(db: Database, actor: Actor, ref: ItemRef, now: dt.datetime) -> NoReturn:
    """Audit the refusal of an item nobody's record holds, and raise the refusal every other withheld item gets."""
    decision = Decision(False, None, "no such item")
    audit = pending(
        actor,
        decision,
        action=Action.READ,
        purpose=Purpose.DIRECT_CARE,
        patient_id=None,
        entity_type=ref.item_type,
        entity_id=str(ref.item_id),
        at=now,
    )
    with db.session() as s:
        append_event(s, audit.event())
    raise AccessDenied(ITEM_REFUSED)
