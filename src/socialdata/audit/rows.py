"""Converting between an AuditEvent and its stored columns, both ways, so verification reads what append wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialdata.audit.canonical import event_leaf_hash
from socialdata.audit.events import AuditEvent

EVENT_COLUMNS = (
    "recorded_at",
    "user_id",
    "username",
    "role",
    "organisation_id",
    "patient_id",
    "action",
    "purpose",
    "outcome",
    "break_glass",
    "entity_type",
    "entity_id",
    "detail",
)


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "leaf_hash": event_leaf_hash(event),
        "recorded_at": event.recorded_at,
        "user_id": event.user_id,
        "username": event.username,
        "role": event.role,
        "organisation_id": event.organisation_id,
        "patient_id": event.patient_id,
        "action": event.action.value,
        "purpose": event.purpose.value,
        "outcome": int(event.outcome),
        "break_glass": event.break_glass,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "detail": dict(event.detail),
    }


def event_from_row(row: Mapping[str, Any]) -> AuditEvent:
    """Rebuild the event from stored columns; raises ValueError when a column holds what no event could."""
    return AuditEvent(**{name: row[name] for name in EVENT_COLUMNS})
