"""Partners of the Foundation and the people who log in."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId, utcnow


class OrganisationKind(enum.StrEnum):
    HOSPITAL_TRUST = "hospital_trust"
    COUNCIL = "council"
    GP_PRACTICE = "gp_practice"
    UNIVERSITY = "university"
    FOUNDATION = "foundation"


class Organisation(Base):
    """A partner of the Foundation, keyed by its ODS-style code."""

    __tablename__ = "organisation"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UserAccount(Base):
    """A person who logs in: a professional, steward, researcher or citizen, with one role from the RBAC vocabulary."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
