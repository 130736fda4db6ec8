"""What an audit event says, with FHIR AuditEvent semantics: who did what, to whose data, why, and with what outcome."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from socialdata.store.models.audit import AUDIT_TEXT_LIMITS
from socialdata.store.types import utcnow

PURPOSE_OF_USE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_INT64 = 1 << 63
_OPTIONAL_TEXT = ("organisation_id", "patient_id")


class Action(enum.StrEnum):
    """FHIR AuditEvent.action."""

    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


class Outcome(enum.IntEnum):
    """FHIR AuditEvent.outcome (R4): a denied request is a minor failure."""

    SUCCESS = 0
    MINOR_FAILURE = 4
    SERIOUS_FAILURE = 8
    MAJOR_FAILURE = 12


class PurposeOfUse(enum.StrEnum):
    """The v3 PurposeOfUse (ActReason) codes the platform's purposes map to."""

    TREAT = "TREAT"  # direct care
    ETREAT = "ETREAT"  # emergency treatment: break glass
    CAREMGT = "CAREMGT"  # care management
    PATRQT = "PATRQT"  # the person's own request (viewing their record, subject access)
    HRESCH = "HRESCH"  # research
    CLINTRCH = "CLINTRCH"  # clinical trial research
    HOPERAT = "HOPERAT"  # healthcare operations and planning
    PUBHLTH = "PUBHLTH"  # public health
    HSYSADMIN = "HSYSADMIN"  # system administration


def _check_detail(value: Any, where: str) -> None:
    """Detail holds only values whose JSON text is canonical on every database: no floats, no NUL characters."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ValueError(f"{where}: integer {value} does not fit in 64 bits")
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where}: text contains a NUL character")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_detail(item, f"{where}[{i}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not text")
            _check_detail(item, f"{where}.{key}")
    else:
        allowed = "text, integers, booleans, null, lists, objects"
        raise ValueError(f"{where}: {type(value).__name__} is not allowed ({allowed})")


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened. `patient_id` is the MPI person id it was about (None for non-person events)."""

    user_id: int | None
    username: str
    role: str
    organisation_id: str | None
    patient_id: str | None
    action: Action
    purpose: PurposeOfUse
    outcome: Outcome
    entity_type: str
    entity_id: str
    break_glass: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)
    recorded_at: dt.datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "purpose", PurposeOfUse(self.purpose))
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        if not isinstance(self.recorded_at, dt.datetime) or self.recorded_at.tzinfo is None:
            raise ValueError("recorded_at must be a timezone-aware datetime")
        object.__setattr__(self, "recorded_at", self.recorded_at.astimezone(dt.UTC))
        if not isinstance(self.break_glass, bool):
            raise ValueError("break_glass must be true or false")
        if self.user_id is not None and (isinstance(self.user_id, bool) or not isinstance(self.user_id, int)):
            raise ValueError("user_id must be an integer or None")
        for name, limit in AUDIT_TEXT_LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, str) and not (value is None and name in _OPTIONAL_TEXT):
                raise ValueError(f"{name} must be text")
            if value is not None and len(value) > limit:
                raise ValueError(f"{name} is longer than {limit} characters")
            _check_detail(value, name)
        if not isinstance(self.detail, Mapping):
            raise ValueError("detail must be an object")
        _check_detail(self.detail, "detail")
