"""Researchers' information-governance training and accredited-researcher status (safe people): recorded by an
administrator or a data steward, and read when a project is approved (every member's training must be valid)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.governance.permissions import Account, require_role
from socialdata.governance.trail import record_step
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import ResearcherAccreditation, UserAccount
from socialdata.store.types import utcnow

RECORDERS = (Role.ADMINISTRATOR, Role.DATA_STEWARD)


@dataclass(frozen=True)
class Accreditation:
    user_id: int
    username: str
    display_name: str
    training: str
    training_completed_on: dt.date
    training_expires_on: dt.date
    accreditation: str | None
    accredited_on: dt.date | None
    accreditation_expires_on: dt.date | None

    def training_valid(self, on: dt.date) -> bool:
        return self.training_completed_on <= on <= self.training_expires_on


def _view(row: ResearcherAccreditation, account: UserAccount) -> Accreditation:
    return Accreditation(
        user_id=row.user_id,
        username=account.username,
        display_name=account.display_name,
        training=row.training,
        training_completed_on=row.training_completed_on,
        training_expires_on=row.training_expires_on,
        accreditation=row.accreditation,
        accredited_on=row.accredited_on,
        accreditation_expires_on=row.accreditation_expires_on,
    )


def record_training(
    db: Database,
    account: Account,
    username: str,
    *,
    training: str,
    completed_on: dt.date,
    expires_on: dt.date,
    accreditation: str | None = None,
    accredited_on: dt.date | None = None,
    accreditation_expires_on: dt.date | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> Accreditation:
    """Record (or renew) a researcher's training and accreditation; dates must be in order."""
    require_role(account, RECORDERS, "record researchers' training")
    if not training.strip() or len(training) > 200:
        raise UserError("name the training course (1 to 200 characters)", where="training")
    if expires_on <= completed_on:
        raise UserError("training must expire after it was completed", where="expires_on")
    if (accredited_on is None) != (accreditation_expires_on is None) or (accreditation is None) != (
        accredited_on is None
    ):
        raise UserError("give the accreditation with both of its dates, or none of them", where="accreditation")
    if accredited_on is not None and accreditation_expires_on is not None and accreditation_expires_on <= accredited_on:
        raise UserError("accreditation must expire after it was granted", where="accreditation_expires_on")
    with db.session() as s:
        user = s.scalars(select(UserAccount).where(UserAccount.username == username)).one_or_none()
        if user is None:
            raise UserError(f"no user named {username!r}", where="username")
        if user.role != Role.RESEARCHER:
            raise UserError(f"{username!r} is not a researcher (their role is {user.role})", where="username")
        row = s.get(ResearcherAccreditation, user.id) or ResearcherAccreditation(user_id=user.id)
        row.training, row.training_completed_on, row.training_expires_on = training.strip(), completed_on, expires_on
        row.accreditation = accreditation.strip() if accreditation else None
        row.accredited_on, row.accreditation_expires_on = accredited_on, accreditation_expires_on
        row.recorded_by, row.recorded_at = account.id, clock()
        s.add(row)
        s.flush()
        record_step(s, account, Action.UPDATE, "ResearcherAccreditation", user.id, row.recorded_at, {"user": username})
        return _view(row, user)


def accreditations(s: Session, user_ids: list[int] | None = None) -> dict[int, Accreditation]:
    """Recorded training by user id (all researchers, or the ones named)."""
    query = select(ResearcherAccreditation, UserAccount).join(
        UserAccount, UserAccount.id == ResearcherAccreditation.user_id
    )
    if user_ids is not None:
        query = query.where(ResearcherAccreditation.user_id.in_(user_ids))
    return {row.user_id: _view(row, account) for row, account in s.execute(query)}


def all_accreditations(db: Database) -> list[Accreditation]:
    with db.session() as s:
        return sorted(accreditations(s).values(), key=lambda a: a.username)
