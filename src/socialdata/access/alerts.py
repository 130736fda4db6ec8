"""The privacy officer's queue: every self-claimed relationship and break glass, waiting to be judged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from socialdata.store.models import AccessAlert, AccessGrant, AlertStatus, GrantKind, UserAccount


@dataclass(frozen=True)
class AlertView:
    """One alert as the queue shows it: who took access to whom, why, until when, and any review."""

    alert_id: int
    kind: GrantKind
    status: AlertStatus
    username: str
    user_display_name: str
    role: str
    organisation_id: str | None
    person_id: str
    reason: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    reviewer: str | None
    reviewed_at: dt.datetime | None
    review_note: str | None


def raise_alert(session: Session, grant: AccessGrant, now: dt.datetime) -> AccessAlert:
    alert = AccessAlert(grant_id=grant.id, status=AlertStatus.OPEN, raised_at=now)
    session.add(alert)
    session.flush()
    return alert


def alert_views(session: Session, *, status: AlertStatus | None, alert_id: int | None = None) -> list[AlertView]:
    """Alerts, open ones oldest first (the queue), reviewed ones newest first."""
    user = aliased(UserAccount)
    reviewer = aliased(UserAccount)
    query = (
        select(AccessAlert, AccessGrant, user, reviewer.username)
        .join(AccessGrant, AccessGrant.id == AccessAlert.grant_id)
        .join(user, user.id == AccessGrant.user_id)
        .outerjoin(reviewer, reviewer.id == AccessAlert.reviewer_id)
    )
    if status is not None:
        query = query.where(AccessAlert.status == status)
    if alert_id is not None:
        query = query.where(AccessAlert.id == alert_id)
    order = AccessAlert.id.asc() if status == AlertStatus.OPEN else AccessAlert.id.desc()
    return [
        AlertView(
            alert_id=alert.id,
            kind=GrantKind(grant.kind),
            status=AlertStatus(alert.status),
            username=account.username,
            user_display_name=account.display_name,
            role=account.role,
            organisation_id=account.organisation_id,
            person_id=grant.person_id,
            reason=grant.reason,
            granted_at=grant.granted_at,
            expires_at=grant.expires_at,
            revoked_at=grant.revoked_at,
            reviewer=reviewer_name,
            reviewed_at=alert.reviewed_at,
            review_note=alert.review_note,
        )
        for alert, grant, account, reviewer_name in session.execute(query.order_by(order))
    ]
