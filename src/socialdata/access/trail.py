"""Turning a gate decision into its audit event (FHIR AuditEvent semantics), to be appended in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from socialdata.access.decisions import Actor, Decision, Purpose, RelationshipKind
from socialdata.access.route_guard import note_gate_decision
from socialdata.audit import Action, AuditEvent, Outcome, PurposeOfUse

PATIENT_ID_LIMIT = 64
ENTITY_ID_LIMIT = 128


@dataclass
class PendingAudit:
    """A decision waiting to be appended when its transaction ends (the entity id of a write is known only then)."""

    actor: Actor
    decision: Decision
    action: Action
    purpose: Purpose
    patient_id: str | None
    entity_type: str
    entity_id: str
    at: dt.datetime
    detail: dict[str, Any] = field(default_factory=dict)

    def event(self) -> AuditEvent:
        basis = self.decision.basis
        break_glass = basis is not None and basis.kind == RelationshipKind.BREAK_GLASS
        purpose = PurposeOfUse.ETREAT if break_glass else self.purpose.purpose_of_use
        detail: dict[str, Any] = {
            "decision": "allowed" if self.decision.allowed else "denied",
            "reason": self.decision.reason,
            "purpose": self.purpose.value,
            **self.detail,
        }
        if basis is not None:
            detail["basis"] = basis.kind.value
        return AuditEvent(
            user_id=self.actor.user_id,
            username=self.actor.username,
            role=self.actor.role.value,
            organisation_id=self.actor.organisation_id,
            patient_id=self.patient_id[:PATIENT_ID_LIMIT] if self.patient_id is not None else None,
            action=self.action,
            purpose=purpose,
            outcome=Outcome.SUCCESS if self.decision.allowed else Outcome.MINOR_FAILURE,
            entity_type=self.entity_type,
            entity_id=self.entity_id[:ENTITY_ID_LIMIT],
            break_glass=break_glass or bool(self.detail.get("break_glass_granted")),
            detail=detail,
            recorded_at=self.at,
        )


def pending(
    actor: Actor,
    decision: Decision,
    *,
    action: Action,
    purpose: Purpose,
    patient_id: str | None,
    entity_type: str,
    entity_id: str,
    at: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> PendingAudit:
    """Every decision passes through here, so the route guard learns that the gate was asked."""
    note_gate_decision(decision.allowed)
    return PendingAudit(actor, decision, action, purpose, patient_id, entity_type, entity_id, at, dict(detail or {}))
