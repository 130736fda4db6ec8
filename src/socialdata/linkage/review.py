"""Clerical review: a data steward sees a doubtful pair side by side with why the model scored it so, and decides.

Decisions are kept per pair of source records and honoured by every later run (match = must-link, non_match =
cannot-link); they also train the next model. Showing an item and deciding it are audited in the same transaction,
once per person the pair touches, so each person's access log shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdata.audit.events import Action, AuditEvent, Outcome, PurposeOfUse
from socialdata.audit.log import append_events
from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.linkage.records import FieldWeight, MatchDecision
from socialdata.store.models import PairDecision, PersonLink, ReviewItem, ReviewStatus, SourcePerson, UserAccount
from socialdata.store.types import utcnow

PairKey = tuple[int, int]
REVIEWER_ROLES = frozenset({Role.DATA_STEWARD, Role.PRIVACY_OFFICER})
REVIEW_REFUSAL = "Linkage review shows people's identifiers and is for data stewards and privacy officers."
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Reviewer:
    """The data steward (or privacy officer) looking at or deciding a pair, as the audit log names them."""

    user_id: int
    username: str
    role: str
    organisation_id: str | None

    def __post_init__(self) -> None:
        if self.role not in REVIEWER_ROLES:
            raise UserError(
                f"user {self.username!r} is a {self.role}; only a data steward or privacy officer may review linkage",
                where="reviewer",
            )


@dataclass(frozen=True)
class ReviewSummary:
    """A line of the queue: which pair, how strongly the model leaned, and whether it is decided."""

    id: int
    left_key: int
    right_key: int
    match_weight: float
    match_probability: float
    status: str
    decision: str | None


@dataclass(frozen=True)
class RecordSide:
    """One source record as a steward compares it (identifiers are shown: this is person data)."""

    key: int
    organisation_id: str
    source_id: str
    nhs_number: str | None
    given_name: str | None
    other_given_names: str | None
    family_name: str | None
    birth_date: str | None
    sex: str | None
    address: str | None
    postcode: str | None
    death_date: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ReviewDetail:
    """A review item in full: both records, the field-by-field weights, and the decision if there is one."""

    summary: ReviewSummary
    rule: str
    left: RecordSide
    right: RecordSide
    fields: tuple[FieldWeight, ...]
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None


def steward_decisions(session: Session) -> dict[PairKey, MatchDecision]:
    """Every decided pair, for the engine (must-link / cannot-link) and to keep decided pairs out of the queue."""
    rows = session.execute(
        select(PairDecision.left_source_person_id, PairDecision.right_source_person_id, PairDecision.decision)
    )
    return {(left, right): MatchDecision(decision) for left, right, decision in rows}


def parse_decision(text: str) -> MatchDecision:
    """A decision as a person types it, or a UserError naming the three there are."""
    try:
        return MatchDecision(text.strip().lower())
    except ValueError:
        choices = ", ".join(d.value for d in MatchDecision)
        raise UserError(f"unknown decision {text!r}; choose one of: {choices}", where="decision") from None


def list_items(
    session: Session, *, status: ReviewStatus | None = ReviewStatus.OPEN, limit: int | None = None
) -> list[ReviewSummary]:
    """The queue, strongest doubt first (weight nearest zero), or every item when status is None.

    It holds record keys and weights, no identifiers (the web page's look at it is decided and audited by the gate).
    """
    query = select(ReviewItem, PairDecision.decision).outerjoin(
        PairDecision,
        (PairDecision.left_source_person_id == ReviewItem.left_source_person_id)
        & (PairDecision.right_source_person_id == ReviewItem.right_source_person_id),
    )
    if status is not None:
        query = query.where(ReviewItem.status == status.value)
    query = query.order_by(func.abs(ReviewItem.match_weight), ReviewItem.id).limit(limit)
    return [_summary(item, decision) for item, decision in session.execute(query)]


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(ReviewItem.status == ReviewStatus.OPEN.value)) or 0


def reviewer_named(session: Session, username: str) -> Reviewer:
    """The active account a CLI user names with --by, checked to be a reviewer."""
    account = session.scalar(select(UserAccount).where(UserAccount.username == username))
    if account is None or not account.active:
        raise UserError(f"no active user account named {username!r}", where="--by")
    return Reviewer(account.id, account.username, account.role, account.organisation_id)


def show_item(session: Session, item_id: int, reviewer: Reviewer) -> ReviewDetail:
    """The item with both records side by side (audited as a read), or a UserError when there is no such item."""
    item = _item(session, item_id)
    decision = _decision_for(session, item)
    left, right = (
        _side(session.get_one(SourcePerson, key)) for key in (item.left_source_person_id, item.right_source_person_id)
    )
    _audit(session, reviewer, _persons(session, item), Action.READ, "review_item", str(item.id), _keys(item))
    return ReviewDetail(
        summary=_summary(item, decision.decision if decision else None),
        rule=item.rule,
        left=left,
        right=right,
        fields=tuple(FieldWeight(**f) for f in item.fields),
        decided_by=decision.decided_by if decision else None,
        decided_at=decision.decided_at if decision else None,
        note=decision.note if decision else None,
    )


def decide(
    session: Session, item_id: int, decision: MatchDecision, reviewer: Reviewer, *, note: str | None = None
) -> ReviewSummary:
    """Record (or change) the reviewer's verdict on an item's pair, audited; the next run honours it."""
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise UserError(f"the note has {len(note)} characters; at most {MAX_NOTE_LENGTH} are kept", where="note")
    if note is not None and "\x00" in note:
        raise UserError("the note contains a NUL character, which cannot be stored", where="note")
    item = _item(session, item_id)
    existing = _decision_for(session, item)
    row = existing or PairDecision(
        left_source_person_id=item.left_source_person_id,
        right_source_person_id=item.right_source_person_id,
    )
    previous = existing.decision if existing else None
    row.decision = decision.value
    row.decided_by = reviewer.username
    row.decided_at = utcnow()
    row.note = note.strip() if note and note.strip() else None
    row.review_item_id = item.id
    item.status = ReviewStatus.DECIDED.value
    session.add(row)
    session.flush()
    detail = {"review_item": item.id, "decision": decision.value, "previous": previous, "note": row.note is not None}
    action = Action.UPDATE if existing else Action.CREATE
    _audit(session, reviewer, _persons(session, item), action, "match_decision", str(row.id), detail | _keys(item))
    return _summary(item, row.decision)


def _persons(session: Session, item: ReviewItem) -> list[str | None]:
    """The persons a pair touches, each once; [None] when neither record is linked yet."""
    keys = (item.left_source_person_id, item.right_source_person_id)
    persons = sorted(set(session.scalars(select(PersonLink.person_id).where(PersonLink.source_person_id.in_(keys)))))
    return list(persons) or [None]


def _keys(item: ReviewItem) -> dict[str, object]:
    return {"source_person_ids": [item.left_source_person_id, item.right_source_person_id]}


def _audit(
    session: Session,
    reviewer: Reviewer,
    persons: list[str | None],
    action: Action,
    entity_type: str,
    entity_id: str,
    detail: dict[str, object],
) -> None:
    """One event per person concerned, so each person's access log shows the review."""
    append_events(
        session,
        [
            AuditEvent(
                user_id=reviewer.user_id,
                username=reviewer.username,
                role=reviewer.role,
                organisation_id=reviewer.organisation_id,
                patient_id=person,
                action=action,
                purpose=PurposeOfUse.HOPERAT,
                outcome=Outcome.SUCCESS,
                entity_type=entity_type,
                entity_id=entity_id,
                detail=detail,
            )
            for person in persons
        ],
    )


def _item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise UserError(f"there is no review item {item_id}", where="review item")
    return item


def _decision_for(session: Session, item: ReviewItem) -> PairDecision | None:
    return session.scalar(
        select(PairDecision).where(
            PairDecision.left_source_person_id == item.left_source_person_id,
            PairDecision.right_source_person_id == item.right_source_person_id,
        )
    )


def _summary(item: ReviewItem, decision: str | None) -> ReviewSummary:
    return ReviewSummary(
        id=item.id,
        left_key=item.left_source_person_id,
        right_key=item.right_source_person_id,
        match_weight=item.match_weight,
        match_probability=item.match_probability,
        status=item.status,
        decision=decision,
    )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _side(person: SourcePerson) -> RecordSide:
    return RecordSide(
        key=person.id,
        organisation_id=person.organisation_id,
        source_id=person.source_id,
        nhs_number=person.nhs_number or person.nhs_number_raw,
        given_name=person.given_name,
        other_given_names=person.other_given_names,
        family_name=person.family_name,
        birth_date=_iso(person.birth_date) or person.birth_date_raw,
        sex=person.sex,
        address=person.address,
        postcode=person.postcode or person.postcode_raw,
        death_date=_iso(person.death_date),
        flags=tuple(person.identity_flags),
    )
