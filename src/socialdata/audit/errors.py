"""The error for a log whose stored state contradicts itself: someone changed it, or it was damaged."""

from __future__ import annotations

from socialdata.errors import UserError


class AuditIntegrityError(UserError):
    """The log cannot be extended or proved from; `sdf audit verify` says exactly what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}; run `sdf audit verify` for a full report", where="audit log")


class EventNotFound(UserError):
    """No audit event has this id (it was never appended, or its transaction rolled back)."""


class EventNotSequenced(UserError):
    """The event is committed but the sequencer has not yet given it a leaf index (within the maximum merge delay)."""
