"""What a partner reads to fix its feed: the records that could not be interpreted, where they were, and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.store.models import QuarantineItem


@dataclass(frozen=True)
class QuarantineView:
    id: int
    organisation: str
    submission_id: int
    file: str
    location: str
    field: str | None
    message: str
    raw: str | None
    created_at: dt.datetime
    resolved: bool


def _view(item: QuarantineItem) -> QuarantineView:
    return QuarantineView(
        id=item.id,
        organisation=item.organisation_id,
        submission_id=item.submission_id,
        file=item.file_name,
        location=item.location,
        field=item.field,
        message=item.message,
        raw=item.raw,
        created_at=item.created_at,
        resolved=item.resolved,
    )


def list_quarantine(session: Session, org: str | None = None) -> list[QuarantineView]:
    """Every quarantined record, oldest first; resolved ones (a rejected file that later loaded) are marked."""
    query = select(QuarantineItem).order_by(QuarantineItem.id)
    if org is not None:
        query = query.where(QuarantineItem.organisation_id == org)
    return [_view(item) for item in session.scalars(query)]


def quarantine_item(session: Session, id: int) -> QuarantineView:
    """One item with the record as received: person data, so callers reach it through the access gate."""
    item = session.get(QuarantineItem, id)
    if item is None:
        raise UserError(f"there is no quarantine item {id}")
    return _view(item)
