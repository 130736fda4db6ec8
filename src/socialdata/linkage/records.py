"""The values linkage passes between its parts: the record it compares, a scored pair and why it scored so.

The batch engine, the real-time matcher, the master person index and the review queue all speak in these types.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Protocol

from socialdata.identity import check_nhs_number, parse_date, parse_postcode


class ReceivedPerson(Protocol):
    """A person's identifiers as a source sent them (the synthetic city's records have this shape)."""

    organisation_id: str
    source_id: str
    nhs_number_raw: str | None
    given_name: str | None
    other_given_names: str | None
    family_name: str | None
    birth_date_raw: str | None
    sex: str | None
    postcode_raw: str | None
    address: str | None


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

    @classmethod
    def from_received(cls, key: int, source: ReceivedPerson) -> LinkRecord:
        """Validate received identifiers as the feeds do: what fails validation is None, never evidence."""
        born = parse_date(source.birth_date_raw)
        postcode = parse_postcode(source.postcode_raw)
        sex = (source.sex or "").strip().upper()[:1] or None
        return cls(
            key=key,
            organisation_id=source.organisation_id,
            source_id=source.source_id,
            nhs_number=check_nhs_number(source.nhs_number_raw).normalised,
            given_name=source.given_name,
            other_given_names=source.other_given_names,
            family_name=source.family_name,
            birth_date=born if isinstance(born, dt.date) else None,
            sex=sex if sex in ("M", "F") else None,
            postcode=str(postcode) if postcode else None,
            address=source.address,
        )


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
