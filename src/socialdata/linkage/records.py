"""The values linkage passes between its parts: the record it compares, a scored pair and why it scored so.

The batch engine, the real-time matcher, the master person index and the review queue all speak in these types.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkRecord:
    """One source person, identifiers as the linkage engine may use them.

    `nhs_number`, `birth_date` and `postcode` are only the validated values (None when the source's value failed
    validation): a flagged identifier is never evidence for a deterministic link. `key` is source_person.id.
    """

    key: int
    organisation_id: str
    source_id: str
    nhs_number: str | None
    given_name: str | None
    other_given_names: str | None
    family_name: str | None
    birth_date: dt.date | None
    sex: str | None
    postcode: str | None
    address: str | None = None
    death_date: dt.date | None = None


@dataclass(frozen=True)
class FieldWeight:
    """How one field compared and what that contributed: the explanation a steward reads in the review queue."""

    field: str
    level: str
    left: str | None
    right: str | None
    weight: float  # log2 Bayes factor (m/u) of the level, after any term-frequency adjustment


class MatchDecision(enum.StrEnum):
    """A data steward's verdict on a pair; honoured by every later run."""

    MATCH = "match"
    NON_MATCH = "non_match"
    UNSURE = "unsure"


@dataclass(frozen=True)
class ScoredPair:
    """A compared pair of records; `left_key < right_key` always, so a pair has one spelling."""

    left_key: int
    right_key: int
    match_weight: float  # log2 of posterior odds: prior plus the sum of field weights
    match_probability: float
    rule: str  # "deterministic" or the blocking rule that produced the pair
    fields: tuple[FieldWeight, ...] = field(default_factory=tuple)
