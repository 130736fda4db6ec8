"""Which items are kept from the person's own view: those a professional withheld (with a reason, see
`withholding.py`) and those a source flagged as third-party information (`detail["third_party"] is True`).

The gate already keeps safeguarding items from the person (`access.sensitivity`); this is the rest of what a subject
access request may lawfully leave out, decided item by item.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import ItemRef
from socialdata.record.rows import EventRow
from socialdata.store.models import WithheldItem

THIRD_PARTY_FLAG = "third_party"


def withheld_refs(session: Session, person_ids: Sequence[str]) -> frozenset[ItemRef]:
    """The items professionals currently withhold from this person's own view."""
    rows = session.execute(
        select(WithheldItem.item_type, WithheldItem.item_id).where(
            WithheldItem.person_id.in_(list(person_ids)), WithheldItem.released_at.is_(None)
        )
    )
    return frozenset(ItemRef(item_type, item_id) for item_type, item_id in rows)


def third_party(event: EventRow) -> bool:
    """The source says the item holds information about someone else (a relative's history, a referrer's words)."""
    return (event.detail or {}).get(THIRD_PARTY_FLAG) is True
