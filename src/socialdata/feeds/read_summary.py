"""What a reader reports back once it has handed every record of a file to the writer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadSummary:
    format: str
    records_accepted: int
