"""The privacy officer reading the audit log (served as FHIR AuditEvent): role-checked, and the reading is itself
audited in the same transaction, like every other look at who saw whom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from socialdata.access import AccessDenied, Actor, Decision, Purpose
from socialdata.access.trail import pending
from socialdata.audit import Action, append_event
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord
from socialdata.store.types import utcnow

REFUSED = "Only a privacy officer may read the audit log."


@dataclass(frozen=True)
class AuditPage:
    total: int
    rows: list[AuditEventRecord]


def read_audit(
    db: Database,
    actor: Actor,
    *,
    patient_id: str | None,
    offset: int,
    count: int,
    event_id: int | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> AuditPage:
    """One page of audit events, newest first, optionally about one person or just the one with `event_id`;
    AccessDenied (audited) for other roles."""
    allowed = actor.role == Role.PRIVACY_OFFICER
    with db.session() as s:
        page = AuditPage(0, [])
        if allowed:
            query = select(AuditEventRecord)
            counting = select(func.count()).select_from(AuditEventRecord)
            if patient_id is not None:
                query = query.where(AuditEventRecord.patient_id == patient_id)
                counting = counting.where(AuditEventRecord.patient_id == patient_id)
            if event_id is not None:
                query = query.where(AuditEventRecord.id == event_id)
                counting = counting.where(AuditEventRecord.id == event_id)
            rows = s.scalars(query.order_by(AuditEventRecord.id.desc()).offset(offset).limit(count))
            page = AuditPage(s.scalar(counting) or 0, list(rows))
        decision = Decision(allowed, None, "audit log review" if allowed else "not a privacy officer")
        audit = pending(
            actor,
            decision,
            action=Action.READ,
            purpose=Purpose.OVERSIGHT,
            patient_id=patient_id,
            entity_type="AuditEvent",
            entity_id="search" if event_id is None else str(event_id),
            at=clock(),
            detail={"offset": offset, "count": count, "returned": len(page.rows)},
        )
        append_event(s, audit.event())
    if not allowed:
        raise AccessDenied(REFUSED)
    return page
