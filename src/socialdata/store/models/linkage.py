"""The master person index: stable person ids, which source records each holds, and the history of every change.

Persons are never deleted and their ids never reused, so records, access history and extracts can follow a merge or
a split through the link events.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId, JsonDoc, utcnow


class PersonStatus(enum.StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # its records now belong to `merged_into`
    RETIRED = "retired"  # no source record belongs to it any more


class LinkBasis(enum.StrEnum):
    DETERMINISTIC = "deterministic"
    PROBABILISTIC = "probabilistic"
    STEWARD = "steward"
    SINGLETON = "singleton"


class LinkEventKind(enum.StrEnum):
    CREATED = "created"
    MERGED = "merged"  # person_id survived, other_person_id was merged into it
    SPLIT = "split"  # records left person_id for the new person other_person_id
    RECORD_MOVED = "record_moved"  # records left person_id for the existing person other_person_id
    RECORD_ADDED = "record_added"  # new source records joined the existing person_id
    RETIRED = "retired"


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class LinkRun(Base):
    """One batch linkage run: the model it used, what it found, and the counts the quality report shows."""

    __tablename__ = "link_run"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    model: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Counts start at zero and are filled in as the run is stored.
    records: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    persons_created: Mapped[int] = mapped_column(Integer, default=0)
    persons_merged: Mapped[int] = mapped_column(Integer, default=0)
    persons_split: Mapped[int] = mapped_column(Integer, default=0)
    records_moved: Mapped[int] = mapped_column(Integer, default=0)
    review_open: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)


class Person(Base):
    """A real person as the index knows them: an opaque id (P + 12 base32 characters) that is never reused."""

    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(13), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_run_id: Mapped[int | None] = mapped_column(ForeignKey("link_run.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PersonLink(Base):
    """Which person a source record belongs to, on what basis, and the run that last changed it."""

    __tablename__ = "person_link"

    source_person_id: Mapped[int] = mapped_column(ForeignKey("source_person.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    basis: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_run.id"))


class LinkEvent(Base):
    """A change to the index (created, merged, split, records moved) so downstream views can follow it."""

    __tablename__ = "link_event"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    other_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    source_person_ids: Mapped[list[int]] = mapped_column(JsonDoc, default=list)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("link_run.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewItem(Base):
    """A pair the model could not settle (between the thresholds), waiting for a data steward."""

    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("left_source_person_id", "right_source_person_id", name="uq_review_item_pair"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    left_source_person_id: Mapped[int] = mapped_column(ForeignKey("source_person.id"))
    right_source_person_id: Mapped[int] = mapped_column(ForeignKey("source_person.id"), index=True)
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_run.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PairDecision(Base):
    """A steward's verdict on a pair of source records: match is must-link, non_match is cannot-link."""

    __tablename__ = "match_decision"
    __table_args__ = (
        UniqueConstraint("left_source_person_id", "right_source_person_id", name="uq_match_decision_pair"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    left_source_person_id: Mapped[int] = mapped_column(ForeignKey("source_person.id"))
    right_source_person_id: Mapped[int] = mapped_column(ForeignKey("source_person.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_item.id"))


class IdentifierConflict(Base):
    """An identifier that points at records the model keeps apart (e.g. one NHS number on two people): a data error."""

    __tablename__ = "identifier_conflict"
    __table_args__ = (Index("ix_identifier_conflict_run", "run_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_run.id"))
    identifier: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    source_person_ids: Mapped[list[int]] = mapped_column(JsonDoc, default=list)
    person_ids: Mapped[list[str]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text)
