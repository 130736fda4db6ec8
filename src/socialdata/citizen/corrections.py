"""Corrections: the person asks the partner that holds an item to correct it; the request waits in that partner's
queue; the partner accepts (and corrects its own system, which the next feed carries) or declines, giving a reason
either way. An opinion is never rewritten: the person's statement stays attached to the item for everyone who sees it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import ItemRef
from socialdata.citizen.own_access import checked_text
from socialdata.errors import UserError
from socialdata.record import TimelineItem
from socialdata.store.models import CorrectionRequest, CorrectionStatus, Organisation, UserAccount

STATEMENT_LONGEST = 2000
REASON_SHORTEST = 10
STATUS_WORDS = {
    CorrectionStatus.OPEN: "Waiting for the partner's decision",
    CorrectionStatus.ACCEPTED: "Accepted: the partner is correcting its record",
    CorrectionStatus.DECLINED: "Declined: the item stays as it is, with your statement attached",
}


@dataclass(frozen=True)
class CorrectionView:
    """A request as the person, the partner's staff and the record's readers see it."""

    id: int
    person_id: str
    ref: ItemRef
    item_title: str
    organisation_id: str
    organisation_name: str
    statement: str
    status: CorrectionStatus
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str | None

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


def _views(session: Session, rows: Sequence[CorrectionRequest]) -> list[CorrectionView]:
    orgs = {k: v for k, v in session.execute(select(Organisation.id, Organisation.name))}
    deciders = {r.decided_by for r in rows if r.decided_by is not None}
    names = (
        {
            k: v
            for k, v in session.execute(
                select(UserAccount.id, UserAccount.display_name).where(UserAccount.id.in_(deciders))
            )
        }
        if deciders
        else {}
    )
    return [
        CorrectionView(
            id=r.id,
            person_id=r.person_id,
            ref=ItemRef(r.item_type, r.item_id),
            item_title=r.item_title,
            organisation_id=r.organisation_id,
            organisation_name=orgs.get(r.organisation_id, r.organisation_id),
            statement=r.statement,
            status=CorrectionStatus(r.status),
            requested_at=r.requested_at,
            decided_at=r.decided_at,
            decided_by=names.get(r.decided_by) if r.decided_by is not None else None,
            decision_reason=r.decision_reason,
        )
        for r in rows
    ]


def corrections_about(session: Session, person_ids: Sequence[str]) -> dict[ItemRef, list[CorrectionView]]:
    """Every request about the person's items, oldest first, by item."""
    rows = session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.person_id.in_(list(person_ids)))
        .order_by(CorrectionRequest.id)
    ).all()
    found: dict[ItemRef, list[CorrectionView]] = {}
    for view in _views(session, rows):
        found.setdefault(view.ref, []).append(view)
    return found


def add_request(
    session: Session, person_id: str, item: TimelineItem, statement: str, *, user_id: int, now: dt.datetime
) -> CorrectionRequest:
    """The request, in the partner's queue (the caller has checked the person may see the item)."""
    text = checked_text(statement, "statement", shortest=REASON_SHORTEST, longest=STATEMENT_LONGEST)
    organisation = item.provenance.organisation_id
    if organisation is None:
        raise UserError("this item has no partner behind it to correct it", where="item")
    request = CorrectionRequest(
        person_id=person_id,
        item_type=item.ref.item_type,
        item_id=item.ref.item_id,
        item_title=item.title[:500],
        organisation_id=organisation,
        statement=text,
        status=CorrectionStatus.OPEN,
        requested_by=user_id,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    return request


def queue(session: Session, organisation_id: str | None, status: CorrectionStatus | None) -> list[CorrectionView]:
    """One partner's requests (open ones, or all), oldest first."""
    if organisation_id is None:
        return []
    query = select(CorrectionRequest).where(CorrectionRequest.organisation_id == organisation_id)
    if status is not None:
        query = query.where(CorrectionRequest.status == status)
    return _views(session, session.scalars(query.order_by(CorrectionRequest.id)).all())


def decide(
    session: Session,
    request_id: int,
    *,
    organisation_id: str | None,
    user_id: int,
    accept: bool,
    reason: str,
    now: dt.datetime,
) -> CorrectionView:
    """Accept or decline an open request of this partner's queue, saying why (the person reads the reason)."""
    text = checked_text(reason, "reason", shortest=REASON_SHORTEST, longest=STATEMENT_LONGEST)
    request = session.get(CorrectionRequest, request_id)
    if request is None or organisation_id is None or request.organisation_id != organisation_id:
        raise UserError(f"correction request {request_id} is not in your organisation's queue", where="request")
    if request.status != CorrectionStatus.OPEN:
        raise UserError(f"correction request {request_id} was already decided ({request.status})", where="request")
    request.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.DECLINED
    request.decided_by, request.decided_at, request.decision_reason = user_id, now, text
    session.flush()
    return _views(session, [request])[0]


def request_person(session: Session, request_id: int) -> str | None:
    """Whose request this is (for the audit event of the partner's decision)."""
    return session.scalar(select(CorrectionRequest.person_id).where(CorrectionRequest.id == request_id))
