"""Bearer tokens for the FHIR API: issued to a user for a limited time, kept only as a SHA-256, checked per request.

A token is 32 random bytes, so a plain SHA-256 is enough to make a stolen table useless (no password to guess).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from socialdata.access import Actor
from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import ApiToken, UserAccount
from socialdata.store.types import utcnow

TOKEN_PREFIX = "sdf_"  # noqa: S105 (a marker that says what the string is, not a secret)
LONGEST_HOURS = 24 * 30


@dataclass(frozen=True)
class IssuedToken:
    """The token itself (shown once, never stored), whose it is and when it stops working."""

    token: str
    username: str
    expires_at: dt.datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    db: Database, username: str, *, hours: float = 8, clock: Callable[[], dt.datetime] = utcnow
) -> IssuedToken:
    """A new token for an active user, valid for `hours` (at most 30 days)."""
    if not 0 < hours <= LONGEST_HOURS:
        raise UserError(
            f"a token must last more than 0 and at most {LONGEST_HOURS} hours, not {hours:g}", where="hours"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock()
    with db.session() as s:
        account = s.scalars(select(UserAccount).where(UserAccount.username == username.strip().lower())).one_or_none()
        if account is None or not account.active:
            raise UserError(f"no active user named {username!r}", where="username")
        expires = now + dt.timedelta(hours=hours)
        s.add(ApiToken(user_id=account.id, token_sha256=_digest(token), issued_at=now, expires_at=expires))
        return IssuedToken(token=token, username=account.username, expires_at=expires)


def actor_for_token(db: Database, token: str, *, now: dt.datetime) -> Actor | None:
    """The user a presented token belongs to, or None when it is unknown, expired, revoked or its user inactive."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with db.session() as s:
        row = s.execute(
            select(UserAccount, ApiToken)
            .join(ApiToken, ApiToken.user_id == UserAccount.id)
            .where(ApiToken.token_sha256 == _digest(token))
        ).one_or_none()
        if row is None:
            return None
        account, stored = row
        if stored.revoked_at is not None or stored.expires_at <= now or not account.active:
            return None
        return Actor(account.id, account.username, Role(account.role), account.organisation_id, account.display_name)
