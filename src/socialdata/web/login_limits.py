"""Slowing down password guessing: after too many failed logins for one username, or from one client address, within
a window, the login form refuses further tries for a while — without checking the password, and saying how long.

Attempts are kept in the store (not in memory), so every worker process of the server counts the same tries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select

from socialdata.store import Database
from socialdata.store.models import LoginAttempt
from socialdata.store.types import utcnow

WINDOW = dt.timedelta(minutes=15)
PER_USERNAME = 5  # failures for one username since its last success, within the window
PER_ADDRESS = 20  # failures from one client address, within the window
ADDRESS_LONGEST = 64
USERNAME_LONGEST = 100


@dataclass(frozen=True)
class LoginRefused:
    """Why the form will not check a password now, and for how many more minutes."""

    minutes: int

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes == 1 else "minutes"
        return f"Too many attempts, try again in {self.minutes} {unit}."


def _normal(username: str) -> str:
    return username.strip().lower()[:USERNAME_LONGEST]


def login_refused(db: Database, username: str, address: str, *, now: dt.datetime | None = None) -> LoginRefused | None:
    """A refusal when the username or the address has used up its failures in the window, else None."""
    at = now or utcnow()
    since = at - WINDOW
    name = _normal(username)
    with db.session() as s:
        last_success = s.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.username == name, LoginAttempt.succeeded.is_(True)
            )
        )
        failed = LoginAttempt.succeeded.is_(False)
        by_name = (
            select(LoginAttempt.attempted_at)
            .where(LoginAttempt.username == name, failed, LoginAttempt.attempted_at > max(since, last_success or since))
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(PER_USERNAME)
        )
        by_address = (
            select(LoginAttempt.attempted_at)
            .where(LoginAttempt.address == address[:ADDRESS_LONGEST], failed, LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(PER_ADDRESS)
        )
        name_failures = list(s.scalars(by_name))
        address_failures = list(s.scalars(by_address))
    # Blocked until the oldest of the counted failures leaves the window.
    frees = [tries[-1] + WINDOW for tries, limit in ((name_failures, PER_USERNAME), (address_failures, PER_ADDRESS))
             if len(tries) >= limit]  # fmt: skip
    if not frees:
        return None
    return LoginRefused(max(1, math.ceil((max(frees) - at).total_seconds() / 60)))


def record_attempt(
    db: Database, username: str, address: str, *, succeeded: bool, now: dt.datetime | None = None
) -> None:
    with db.session() as s:
        s.add(
            LoginAttempt(
                username=_normal(username),
                address=address[:ADDRESS_LONGEST],
                attempted_at=now or utcnow(),
                succeeded=succeeded,
            )
        )
