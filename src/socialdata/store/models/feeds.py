"""Feed submissions, the people and events they carried, and the quarantine of what could not be read.

Every fact row carries its provenance inline (organisation, submission, load time, the source's own id).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base, ProvenanceMixin
from socialdata.store.types import BigIntId, utcnow


class SubmissionStatus(enum.StrEnum):
    LOADED = "loaded"
    REJECTED = "rejected"


class FeedSubmission(Base):
    """One file a partner sent; its content hash makes loading the same file twice a no-op."""

    __tablename__ = "feed_submission"
    __table_args__ = (UniqueConstraint("organisation_id", "content_sha256", name="uq_submission_content"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    loaded_at: Mapped[dt.datetime | None]
    records_loaded: Mapped[int] = mapped_column(Integer, default=0)
    records_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)


class SourcePerson(ProvenanceMixin, Base):
    """A person as one partner knows them: identifiers kept as received, with what failed validation flagged.

    Only a VALID nhs_number_status (and a parsed birth_date) may be used for deterministic linkage.
    """

    __tablename__ = "source_person"
    __table_args__ = (UniqueConstraint("organisation_id", "source_id", name="uq_source_person_source"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    nhs_number_raw: Mapped[str | None] = mapped_column(String(64))
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    nhs_number_status: Mapped[str] = mapped_column(String(16))
    nhs_verification: Mapped[str | None] = mapped_column(String(8))
    given_name: Mapped[str | None] = mapped_column(String(200))
    other_given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    birth_date_raw: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    postcode_raw: Mapped[str | None] = mapped_column(String(32))
    postcode: Mapped[str | None] = mapped_column(String(8))
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    registered_practice: Mapped[str | None] = mapped_column(String(16))
    identity_flags: Mapped[list[str]] = mapped_column(default=list)


class SourceEvent(ProvenanceMixin, Base):
    """Something that happened to a person in one partner's records: an encounter, a diagnosis, a care package…"""

    __tablename__ = "source_event"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "source_id", name="uq_source_event_source"),
        Index("ix_source_event_person", "organisation_id", "person_source_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_source_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    code_system: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    display: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str | None] = mapped_column(String(64))
    start_at: Mapped[dt.datetime | None]
    end_at: Mapped[dt.datetime | None]
    value_num: Mapped[float | None] = mapped_column(Float)
    value_unit: Mapped[str | None] = mapped_column(String(64))
    value_text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QuarantineItem(Base):
    """A record that could not be interpreted, with where it was and what a person must fix."""

    __tablename__ = "quarantine_item"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("feed_submission.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    location: Mapped[str] = mapped_column(String(100))
    field: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
