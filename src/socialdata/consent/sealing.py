"""Sealed items: single entries of a person's record that no professional sees (the person still does)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.store.models import Person
from socialdata.store.models.consent import SealedItem


class ItemRef(NamedTuple):
    """Which item of a record: the kind of row (`source_event`, or the record's own such as `note`) and its id."""

    item_type: str
    item_id: int


def seal_item(
    session: Session, person_id: str, ref: ItemRef, *, sealed_by: str, now: dt.datetime, reason: str | None = None
) -> None:
    """Seal an item of this person's record; sealing it again changes nothing."""
    if session.get(Person, person_id) is None:
        raise UserError(f"no person {person_id!r}", where="person")
    exists = session.scalar(
        select(SealedItem.id).where(SealedItem.item_type == ref.item_type, SealedItem.item_id == ref.item_id)
    )
    if exists is None:
        session.add(
            SealedItem(
                person_id=person_id,
                item_type=ref.item_type,
                item_id=ref.item_id,
                sealed_at=now,
                sealed_by=sealed_by,
                reason=reason,
            )
        )
        session.flush()


def unseal_item(session: Session, ref: ItemRef) -> None:
    session.execute(delete(SealedItem).where(SealedItem.item_type == ref.item_type, SealedItem.item_id == ref.item_id))


def sealed_refs(session: Session, person_id: str) -> frozenset[ItemRef]:
    return frozenset(
        ItemRef(item_type, item_id)
        for item_type, item_id in session.execute(
            select(SealedItem.item_type, SealedItem.item_id).where(SealedItem.person_id == person_id)
        )
    )
