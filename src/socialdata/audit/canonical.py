"""The one byte form of an audit event that is hashed into the log: sorted-key compact JSON in UTF-8.

Changing anything here changes every leaf hash, so the form is versioned (`v`); verification rebuilds exactly these
bytes from the stored columns.
"""

from __future__ import annotations

from typing import Any

import orjson

from socialdata.audit.events import AuditEvent
from socialdata.audit.merkle import leaf_hash

CANONICAL_VERSION = 1


def canonical_document(event: AuditEvent) -> dict[str, Any]:
    return {
        "v": CANONICAL_VERSION,
        "recorded": event.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "user": {"id": event.user_id, "username": event.username},
        "role": event.role,
        "organisation": event.organisation_id,
        "patient": event.patient_id,
        "action": event.action.value,
        "purpose": event.purpose.value,
        "outcome": int(event.outcome),
        "break_glass": event.break_glass,
        "entity": {"type": event.entity_type, "id": event.entity_id},
        "detail": dict(event.detail),
    }


def canonical_bytes(event: AuditEvent) -> bytes:
    return orjson.dumps(canonical_document(event), option=orjson.OPT_SORT_KEYS)


def event_leaf_hash(event: AuditEvent) -> bytes:
    return leaf_hash(canonical_bytes(event))
