"""Professionals keeping one item from the person's own view, with a reason (it is about someone else, or showing it
is likely to cause serious harm), and releasing it again: through the gate (direct care, on their relationship), the
change audited with the decision. The same page shows them the person's statements and correction requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from socialdata.access import SOURCE_EVENT, AccessGate, Actor, ItemFacts, ItemRef, PersonAccess, Purpose
from socialdata.audit import Action
from socialdata.citizen.corrections import CorrectionView, corrections_about
from socialdata.citizen.own_access import audit_step, checked_text, person_ids
from socialdata.errors import UserError
from socialdata.record import RECORD_ENTRY, TimelineItem
from socialdata.record.entries import person_entry
from socialdata.record.items import SourceNames, entry_facts, entry_item, event_item
from socialdata.store import Database
from socialdata.store.models import UserAccount, WithheldItem, WithholdingReason
from socialdata.store.types import utcnow

REASON_SHORTEST = 10
REASON_WORDS = {
    WithholdingReason.THIRD_PARTY: "It is about someone else, who has not agreed to it being shown",
    WithholdingReason.SERIOUS_HARM: "Showing it is likely to cause serious harm to the person or someone else",
}


@dataclass(frozen=True)
class Withheld:
    reason_code: WithholdingReason
    reason: str
    by: str
    at: dt.datetime

    @property
    def reason_words(self) -> str:
        return REASON_WORDS[self.reason_code]


@dataclass(frozen=True)
class ItemForPerson:
    """One item as a professional manages the person's view of it."""

    person_id: str
    item: TimelineItem
    withheld: Withheld | None
    corrections: list[CorrectionView]


def parse_reason(raw: str) -> WithholdingReason:
    try:
        return WithholdingReason(raw.strip())
    except ValueError:
        choices = ", ".join(reason.value for reason in WithholdingReason)
        raise UserError(f"choose why the item is withheld ({choices})", where="reason_code") from None


def _item(access: PersonAccess, ref: ItemRef) -> TimelineItem:
    """The item, if this professional may see it (else refused by the gate, audited)."""
    if ref.item_type == SOURCE_EVENT:
        event = access.event(ref.item_id)
        return event_item(event, SourceNames.load(access.session, [event.submission_id]))
    entry = person_entry(access, ref.item_id) if ref.item_type == RECORD_ENTRY else None
    facts = entry_facts(entry) if entry is not None else ItemFacts(ref=ref, organisation_id="", sealed=True)
    access.check_item(facts)  # refuses (audited) what is absent, someone else's, or not for this role
    assert entry is not None
    return entry_item(entry, SourceNames.load(access.session, []))


def _active(access: PersonAccess, ref: ItemRef) -> WithheldItem | None:
    return access.session.scalars(
        select(WithheldItem).where(
            WithheldItem.person_id.in_(person_ids(access.session, access.person_id)),
            WithheldItem.item_type == ref.item_type,
            WithheldItem.item_id == ref.item_id,
            WithheldItem.released_at.is_(None),
        )
    ).first()


class Withholding:
    """Over one store; `clock` gives "now" (tests set it)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.gate = AccessGate(db, clock=clock)
        self._clock = clock

    def item(self, actor: Actor, person_id: str, ref: ItemRef) -> ItemForPerson:
        with self.gate.open_person(actor, person_id, Purpose.DIRECT_CARE) as access:
            item = _item(access, ref)
            row = _active(access, ref)
            withheld = None
            if row is not None:
                by = access.session.get(UserAccount, row.withheld_by)
                name = by.display_name if by is not None else str(row.withheld_by)
                withheld = Withheld(WithholdingReason(row.reason_code), row.reason, name, row.withheld_at)
            asked = corrections_about(access.session, person_ids(access.session, access.person_id))
            return ItemForPerson(access.person_id, item, withheld, asked.get(ref, []))

    def withhold(self, actor: Actor, person_id: str, ref: ItemRef, reason_code: str, reason: str) -> None:
        """Keep the item from the person's own view from their next look (an item already withheld stays so)."""
        code = parse_reason(reason_code)
        text = checked_text(reason, "reason", shortest=REASON_SHORTEST)
        with self.gate.open_person(actor, person_id, Purpose.DIRECT_CARE) as access:
            _item(access, ref)
            now = self._clock()
            row = _active(access, ref)
            if row is None:
                row = WithheldItem(
                    person_id=access.person_id,
                    item_type=ref.item_type,
                    item_id=ref.item_id,
                    reason_code=code,
                    reason=text,
                    withheld_by=actor.user_id,
                    withheld_at=now,
                )
                access.session.add(row)
                access.session.flush()
            detail = {"item": f"{ref.item_type}/{ref.item_id}", "withheld": True, "reason_code": code.value}
            audit_step(access, Action.UPDATE, "WithheldItem", str(row.id), now, detail)

    def release(self, actor: Actor, person_id: str, ref: ItemRef) -> None:
        """Show the item to the person again."""
        with self.gate.open_person(actor, person_id, Purpose.DIRECT_CARE) as access:
            _item(access, ref)
            now = self._clock()
            row = _active(access, ref)
            if row is None:
                raise UserError("this item is not withheld from the person", where="item")
            row.released_at, row.released_by = now, actor.user_id
            detail = {"item": f"{ref.item_type}/{ref.item_id}", "withheld": False}
            audit_step(access, Action.UPDATE, "WithheldItem", str(row.id), now, detail)
