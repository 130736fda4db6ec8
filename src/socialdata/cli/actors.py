"""Who a command acts as: commands that show person data name a user with --by, and the gate decides for them."""

from __future__ import annotations

from socialdata.access import Actor
from socialdata.errors import UserError
from socialdata.governance.users import find_user
from socialdata.store import Database


def actor_named(db: Database, username: str) -> Actor:
    """The active account named by --by, as the gate's Actor; a clear error when there is none."""
    user = find_user(db, username)
    if user is None or not user.active:
        raise UserError(f"no active user account named {username!r}", where="--by")
    return Actor.of(user)
