"""Web sign-in state kept on the server: each signed-in browser session (so signing out ends it for good, even for
a copy of the cookie) and each login attempt (so repeated guessing is slowed per username and per client address)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class WebSession(Base):
    """One signed-in browser session: the cookie carries a random id, only its SHA-256 is kept here."""

    __tablename__ = "web_session"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """One try at the login form: the username as typed (normalised), the client's address, and whether it worked."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "attempted_at"),
        Index("ix_login_attempt_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean)
