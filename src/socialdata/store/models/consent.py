"""The person's choices: objections to sharing one organisation's records and sealed items (both bind direct care),
and the national data opt-out (binds research and planning only; direct care does not apply it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class SharingObjection(Base):
    """The person objects to one organisation's records being shown to professionals of any other organisation."""

    __tablename__ = "sharing_objection"
    __table_args__ = (Index("ix_sharing_objection_person", "person_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class SealedItem(Base):
    """One item of a person's record sealed from every professional (the person still sees it in their own view)."""

    __tablename__ = "sealed_item"
    __table_args__ = (UniqueConstraint("item_type", "item_id", name="uq_sealed_item_item"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(BigInteger)
    sealed_at: Mapped[dt.datetime]
    sealed_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)


class NationalOptOut(Base):
    """The person's national data opt-out: binds research and planning (the SDE), never direct care."""

    __tablename__ = "national_opt_out"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[dt.datetime]
    changed_by: Mapped[str] = mapped_column(String(100))
