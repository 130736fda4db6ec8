"""What loading one file came to, for the CLI, the API and scripts."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ResultStatus(enum.StrEnum):
    LOADED = "loaded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SubmissionResult:
    """One file's outcome; `submission_id` is None only when nothing could be recorded."""

    submission_id: int | None
    file: str
    format: str
    status: str
    records_loaded: int
    records_quarantined: int
    message: str | None
