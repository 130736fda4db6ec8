"""What the automatic checks say about one output: a finding per rule (pass, review or fail, with the cells named),
and the file's overall outcome — the worst of its findings. Stored as JSON beside the file in the airlock."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

MAX_CELLS_LISTED = 20


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - nothing found (an outcome, not a password)
    REVIEW = "review"  # a checker must look (an image, free text, an unrecognised layout)
    FAIL = "fail"  # disclosive as it stands: the file cannot be requested until fixed

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Outcome.PASS: 0, Outcome.REVIEW: 1, Outcome.FAIL: 2}


@dataclass(frozen=True)
class Finding:
    """One rule's verdict; `cells` names the cells it is about (at most MAX_CELLS_LISTED, `more` counts the rest)."""

    rule: str
    outcome: Outcome
    message: str
    cells: tuple[str, ...] = ()
    more: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "message": self.message,
            "cells": list(self.cells),
            "more": self.more,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Finding:
        return cls(
            doc["rule"], Outcome(doc["outcome"]), doc["message"], tuple(doc.get("cells", ())), doc.get("more", 0)
        )


def listed(cells: list[str]) -> tuple[tuple[str, ...], int]:
    """The cells to name and how many more there are."""
    return tuple(cells[:MAX_CELLS_LISTED]), max(0, len(cells) - MAX_CELLS_LISTED)


@dataclass(frozen=True)
class FileCheck:
    """Every finding about one file, with what kind of output it was read as."""

    name: str
    kind: str  # table | image | text
    layout: str  # frequency | magnitude | crosstab | unrecognised | png | svg | txt | md | refused
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def outcome(self) -> Outcome:
        return max((f.outcome for f in self.findings), key=lambda o: o.severity, default=Outcome.PASS)

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome is not Outcome.PASS)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "layout": self.layout,
            "outcome": self.outcome.value,
            "findings": [f.as_json() for f in self.findings],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> FileCheck:
        return cls(doc["name"], doc["kind"], doc["layout"], tuple(Finding.from_json(f) for f in doc["findings"]))
