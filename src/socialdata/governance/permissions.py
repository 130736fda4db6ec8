"""Who may take which governance step: the roles each step needs, and the rule that nobody approves their own work.

Governance sits below the access gate, so it speaks of any account-like object (the web's session user, a CLI user,
a governance `User`), not of the gate's Actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from socialdata.errors import UserError
from socialdata.governance.users import Role


class Account(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def organisation_id(self) -> str | None: ...


class NotPermitted(UserError):
    """The account's role may not take this step, or it would be approving its own work."""


def require_role(account: Account, roles: Iterable[Role], doing: str) -> None:
    allowed = frozenset(roles)
    if account.role not in allowed:
        names = " or ".join(sorted(role.label.lower() for role in allowed))
        raise NotPermitted(f"only a {names} may {doing}; {account.username} is a {account.role.label.lower()}")


def require_independent(account: Account, involved: Iterable[int | None], doing: str) -> None:
    """Four eyes: the account must not be one of the people who made or are named in what it is deciding on."""
    if account.id in set(involved):
        raise NotPermitted(f"you may not {doing}: you are named in it, so someone independent must decide")
