"""What professionals add to the shared care record (notes, care-plan entries, with author and provenance), and the
bearer tokens the FHIR API accepts (stored only as hashes, each with an expiry)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class EntryKind(enum.StrEnum):
    NOTE = "note"
    CARE_PLAN = "care_plan"


class RecordEntry(Base):
    """One note or care-plan entry, kept verbatim: who wrote it, for which organisation, on what basis, and when."""

    __tablename__ = "record_entry"
    __table_args__ = (Index("ix_record_entry_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    author_role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"))
    basis: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime]


class ApiToken(Base):
    """A bearer token for the FHIR API: only its SHA-256 is kept; it stops working at `expires_at` or when revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
