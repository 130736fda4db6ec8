"""Governance steps on the audit log: each step is appended in the transaction that takes it (not person-level)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from socialdata.audit import Action, AuditEvent, Outcome, PurposeOfUse, append_event
from socialdata.governance.permissions import Account

SYSTEM_USERNAME = "sdf-governance"


def record_step(
    s: Session,
    account: Account | None,
    action: Action,
    entity_type: str,
    entity_id: int | str,
    at: dt.datetime,
    detail: dict[str, Any],
) -> None:
    """One governance step (`account` None: the platform itself, e.g. an agreement expiring on its end date)."""
    append_event(
        s,
        AuditEvent(
            user_id=account.id if account is not None else None,
            username=account.username if account is not None else SYSTEM_USERNAME,
            role=account.role.value if account is not None else "system",
            organisation_id=account.organisation_id if account is not None else None,
            patient_id=None,
            action=action,
            purpose=PurposeOfUse.HOPERAT,
            outcome=Outcome.SUCCESS,
            entity_type=entity_type,
            entity_id=str(entity_id),
            detail=detail,
            recorded_at=at,
        ),
    )
