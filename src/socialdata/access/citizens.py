"""Which person a citizen's login is: set once their identity has been verified (the demo and tests set it here)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.store.models import CitizenLink, Person, UserAccount


def link_citizen(session: Session, user_id: int, person_id: str, *, now: dt.datetime) -> None:
    """Link a citizen account to the person it belongs to (replacing any earlier link)."""
    account = session.get(UserAccount, user_id)
    if account is None or account.role != Role.CITIZEN:
        raise UserError(f"user {user_id} is not a citizen account", where="user")
    if session.get(Person, person_id) is None:
        raise UserError(f"no person {person_id!r}", where="person")
    link = session.get(CitizenLink, user_id)
    if link is None:
        session.add(CitizenLink(user_id=user_id, person_id=person_id, verified_at=now))
    else:
        link.person_id = person_id
        link.verified_at = now
    session.flush()
