"""The national data opt-out: "do not use my confidential data for research or planning". The secure data
environment applies it; direct care deliberately does not read it (DESIGN.md, "Purposes are first-class")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.store.models import NationalOptOut, Person


def set_national_opt_out(
    session: Session, person_id: str, opted_out: bool, *, changed_by: str, now: dt.datetime
) -> None:
    """Record the person's current choice (the latest replaces the earlier)."""
    if session.get(Person, person_id) is None:
        raise UserError(f"no person {person_id!r}", where="person")
    choice = session.get(NationalOptOut, person_id)
    if choice is None:
        session.add(NationalOptOut(person_id=person_id, opted_out=opted_out, changed_at=now, changed_by=changed_by))
    else:
        choice.opted_out, choice.changed_at, choice.changed_by = opted_out, now, changed_by
    session.flush()


def has_national_opt_out(session: Session, person_id: str) -> bool:
    choice = session.get(NationalOptOut, person_id)
    return choice is not None and choice.opted_out
