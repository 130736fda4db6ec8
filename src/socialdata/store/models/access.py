"""What the access gate keeps: relationships professionals claimed, break-glass grants, the privacy officer's alerts,
and which login belongs to which person (a citizen sees only their own record).

Derived relationships (registered GP, open episode, care package) are not stored: they are read from the feeds at each
decision, so a discharge or a deregistration ends access without anybody having to remember to revoke it.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class GrantKind(enum.StrEnum):
    SELF_CLAIMED = "self_claimed"
    BREAK_GLASS = "break_glass"


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    JUSTIFIED = "justified"
    REFERRED = "referred"


class AccessGrant(Base):
    """Access a professional took on their own word (a claimed relationship or break glass): reason, time limit."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_user_person", "user_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class AccessAlert(Base):
    """A grant waiting for (or given) the privacy officer's review: justified, or referred for investigation."""

    __tablename__ = "access_alert"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("access_grant.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    raised_at: Mapped[dt.datetime]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class CitizenLink(Base):
    """The person a citizen's login belongs to, once their identity has been verified."""

    __tablename__ = "citizen_link"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("user_account.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    verified_at: Mapped[dt.datetime]
