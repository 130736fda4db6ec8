"""Data sharing agreements through their lifecycle: draft -> submitted -> steward reviewed -> (board approval) active
-> expired or revoked; rejected at either review. Each step only by the role it needs, never by the person whose work
is being decided on, and each appended to the audit log in the transaction that takes it.

The access gate reads the agreement's status and dates at every decision (access/secondary_use.py); `expire_due`
only brings the stored status in line with dates that have already stopped access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.governance.agreement_terms import (
    AgreementTerms,
    ValueTerms,
    value_terms_from,
)
from socialdata.governance.permissions import Account, require_independent, require_role
from socialdata.governance.trail import record_step
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import AgreementStatus, DataSharingAgreement, Organisation
from socialdata.store.types import utcnow

DRAFTERS = (Role.DATA_STEWARD, Role.ADMINISTRATOR)
REASON_SHORTEST = 10
ENTITY = "DataSharingAgreement"


@dataclass(frozen=True)
class AgreementView:
    id: int
    title: str
    purpose: str
    status: AgreementStatus
    parties: tuple[str, ...]
    datasets: dict[str, tuple[str, ...]]
    conditions: tuple[str, ...]
    legal_basis_article6: str
    legal_basis_article9: str | None
    confidentiality_basis: str
    value_terms: ValueTerms | None
    starts_on: dt.date
    ends_on: dt.date
    created_by: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    steward_reviewed_at: dt.datetime | None
    steward_reviewed_by: int | None
    approved_at: dt.datetime | None
    approved_by: int | None
    ended_at: dt.datetime | None
    end_reason: str | None

    def in_force(self, today: dt.date) -> bool:
        """Active and within its dates: what the gate requires."""
        return self.status == AgreementStatus.ACTIVE and self.starts_on <= today <= self.ends_on

    @property
    def terms(self) -> AgreementTerms:
        return AgreementTerms(
            title=self.title,
            purpose=self.purpose,
            parties=self.parties,
            datasets=self.datasets,
            conditions=self.conditions,
            legal_basis_article6=self.legal_basis_article6,
            legal_basis_article9=self.legal_basis_article9,
            confidentiality_basis=self.confidentiality_basis,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            value_terms=self.value_terms,
        )


def agreement_view(row: DataSharingAgreement) -> AgreementView:
    return AgreementView(
        id=row.id,
        title=row.title,
        purpose=row.purpose,
        status=AgreementStatus(row.status),
        parties=tuple(row.parties),
        datasets={k: tuple(v) for k, v in row.datasets.items()},
        conditions=tuple(row.conditions),
        legal_basis_article6=row.legal_basis_article6,
        legal_basis_article9=row.legal_basis_article9,
        confidentiality_basis=row.confidentiality_basis,
        value_terms=value_terms_from(row.value_terms) if row.value_terms is not None else None,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        created_by=row.created_by,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
        steward_reviewed_at=row.steward_reviewed_at,
        steward_reviewed_by=row.steward_reviewed_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


def _reason(text: str, where: str) -> str:
    stated = text.strip()
    if len(stated) < REASON_SHORTEST or "\x00" in stated:
        raise UserError(f"say why, in at least {REASON_SHORTEST} characters", where=where)
    return stated[:2000]


class Agreements:
    """The agreements of one store; `clock` gives "now" (tests set it)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    def today(self) -> dt.date:
        return self._clock().astimezone(dt.UTC).date()

    # -- reading -------------------------------------------------------------------------------------------------

    def get(self, agreement_id: int) -> AgreementView:
        with self._db.session() as s:
            return agreement_view(self._row(s, agreement_id))

    def all(self) -> list[AgreementView]:
        with self._db.session() as s:
            rows = s.scalars(select(DataSharingAgreement).order_by(DataSharingAgreement.id))
            return [agreement_view(row) for row in rows]

    def in_force(self, purpose: str | None = None) -> list[AgreementView]:
        """Agreements a project may name today (optionally for one purpose)."""
        today = self.today()
        return [a for a in self.all() if a.in_force(today) and (purpose is None or a.purpose == purpose)]

    # -- the lifecycle -------------------------------------------------------------------------------------------

    def draft(self, account: Account, terms: AgreementTerms) -> AgreementView:
        """A new agreement in draft, by a data steward or an administrator; every party must be a registered partner."""
        require_role(account, DRAFTERS, "draft a data sharing agreement")
        with self._db.session() as s:
            for party in terms.parties:
                if s.get(Organisation, party) is None:
                    raise UserError(f"party {party!r} is not a registered organisation", where="parties")
            now = self._clock()
            row = DataSharingAgreement(
                title=terms.title,
                purpose=terms.purpose,
                status=AgreementStatus.DRAFT,
                parties=list(terms.parties),
                datasets={k: list(v) for k, v in terms.datasets.items()},
                conditions=list(terms.conditions),
                legal_basis_article6=terms.legal_basis_article6,
                legal_basis_article9=terms.legal_basis_article9,
                confidentiality_basis=terms.confidentiality_basis,
                value_terms=terms.value_terms.as_json() if terms.value_terms is not None else None,
                starts_on=terms.starts_on,
                ends_on=terms.ends_on,
                created_by=account.id,
                created_at=now,
            )
            s.add(row)
            s.flush()
            record_step(s, account, Action.CREATE, ENTITY, row.id, now, {"step": "drafted", "purpose": terms.purpose})
            return agreement_view(row)

    def submit(self, account: Account, agreement_id: int) -> AgreementView:
        """Draft -> submitted, for a steward's review."""
        require_role(account, DRAFTERS, "submit an agreement")
        return self._step(account, agreement_id, AgreementStatus.DRAFT, AgreementStatus.SUBMITTED, "submitted", {})

    def steward_review(self, account: Account, agreement_id: int, note: str = "") -> AgreementView:
        """Submitted -> steward reviewed, by a data steward who did not draft it."""
        require_role(account, (Role.DATA_STEWARD,), "review an agreement")
        return self._step(
            account,
            agreement_id,
            AgreementStatus.SUBMITTED,
            AgreementStatus.STEWARD_REVIEWED,
            "steward_reviewed",
            {"note": note.strip()[:2000]} if note.strip() else {},
            independent_of=lambda row: [row.created_by],
        )

    def approve(self, account: Account, agreement_id: int) -> AgreementView:
        """Steward reviewed -> active, by a partnership board member who neither drafted nor reviewed it."""
        require_role(account, (Role.BOARD_MEMBER,), "approve an agreement")
        if (current := self.get(agreement_id)).ends_on < self.today():
            raise UserError(f"agreement {agreement_id} ended on {current.ends_on.isoformat()}", where="ends_on")
        return self._step(
            account,
            agreement_id,
            AgreementStatus.STEWARD_REVIEWED,
            AgreementStatus.ACTIVE,
            "approved",
            {},
            independent_of=lambda row: [row.created_by, row.steward_reviewed_by],
        )

    def reject(self, account: Account, agreement_id: int, reason: str) -> AgreementView:
        """A steward rejects a submitted agreement; a board member one the steward reviewed."""
        stated = _reason(reason, "reason")
        require_role(account, (Role.DATA_STEWARD, Role.BOARD_MEMBER), "reject an agreement")
        waiting = AgreementStatus.SUBMITTED if account.role == Role.DATA_STEWARD else AgreementStatus.STEWARD_REVIEWED
        return self._step(
            account,
            agreement_id,
            waiting,
            AgreementStatus.REJECTED,
            "rejected",
            {"reason": stated},
            independent_of=lambda row: [row.created_by],
            ended_reason=stated,
        )

    def revoke(self, account: Account, agreement_id: int, reason: str) -> AgreementView:
        """Active -> revoked at once (a breach, a partner leaving), by a board member or a data steward."""
        stated = _reason(reason, "reason")
        require_role(account, (Role.BOARD_MEMBER, Role.DATA_STEWARD), "revoke an agreement")
        return self._step(
            account,
            agreement_id,
            AgreementStatus.ACTIVE,
            AgreementStatus.REVOKED,
            "revoked",
            {"reason": stated},
            ended_reason=stated,
        )

    def expire_due(self) -> list[int]:
        """Mark every active agreement whose end date has passed as expired (audited as the platform's own step)."""
        with self._db.session() as s:
            now = self._clock()
            today = now.astimezone(dt.UTC).date()
            due = s.scalars(
                select(DataSharingAgreement).where(
                    DataSharingAgreement.status == AgreementStatus.ACTIVE, DataSharingAgreement.ends_on < today
                )
            ).all()
            for row in due:
                row.status, row.ended_at, row.end_reason = AgreementStatus.EXPIRED, now, "its end date passed"
                record_step(s, None, Action.UPDATE, ENTITY, row.id, now, {"step": "expired"})
            return [row.id for row in due]

    # -- one step ------------------------------------------------------------------------------------------------

    def _row(self, s: Session, agreement_id: int) -> DataSharingAgreement:
        row = s.get(DataSharingAgreement, agreement_id)
        if row is None:
            raise UserError(f"there is no agreement {agreement_id}", where="agreement")
        return row

    def _step(
        self,
        account: Account,
        agreement_id: int,
        waiting: AgreementStatus,
        to: AgreementStatus,
        step: str,
        detail: dict[str, Any],
        *,
        independent_of: Callable[[DataSharingAgreement], list[int | None]] | None = None,
        ended_reason: str | None = None,
    ) -> AgreementView:
        with self._db.session() as s:
            row = self._row(s, agreement_id)
            if row.status != waiting:
                raise UserError(
                    f"agreement {agreement_id} is {row.status}; it can be {step} only when {waiting}", where="status"
                )
            if independent_of is not None:
                require_independent(account, independent_of(row), f"{step.replace('_', ' ')} this agreement")
            now = self._clock()
            row.status = to
            if to == AgreementStatus.SUBMITTED:
                row.submitted_at = now
            elif to == AgreementStatus.STEWARD_REVIEWED:
                row.steward_reviewed_at, row.steward_reviewed_by = now, account.id
            elif to == AgreementStatus.ACTIVE:
                row.approved_at, row.approved_by = now, account.id
            else:
                row.ended_at, row.ended_by, row.end_reason = now, account.id, ended_reason
            s.flush()
            record_step(s, account, Action.UPDATE, ENTITY, row.id, now, {"step": step, "status": to.value, **detail})
            return agreement_view(row)
