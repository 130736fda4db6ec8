"""Objections to sharing: "do not show what organisation X holds about me to anyone outside X" — honoured for direct
care (unlike the national data opt-out, which only binds research and planning)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.store.models import Organisation, Person
from socialdata.store.models.consent import SharingObjection


def record_objection(
    session: Session,
    person_id: str,
    organisation_id: str,
    *,
    recorded_by: str,
    now: dt.datetime,
    note: str | None = None,
) -> SharingObjection:
    """Record an objection (an existing active one for the same organisation is kept, not doubled)."""
    if session.get(Person, person_id) is None:
        raise UserError(f"no person {person_id!r}", where="person")
    if session.get(Organisation, organisation_id) is None:
        raise UserError(f"unknown organisation {organisation_id!r}", where="organisation")
    existing = session.scalars(
        select(SharingObjection).where(
            SharingObjection.person_id == person_id,
            SharingObjection.organisation_id == organisation_id,
            SharingObjection.withdrawn_at.is_(None),
        )
    ).first()
    if existing is not None:
        return existing
    objection = SharingObjection(
        person_id=person_id, organisation_id=organisation_id, recorded_at=now, recorded_by=recorded_by, note=note
    )
    session.add(objection)
    session.flush()
    return objection


def withdraw_objection(session: Session, objection_id: int, *, now: dt.datetime) -> None:
    objection = session.get(SharingObjection, objection_id)
    if objection is None or objection.withdrawn_at is not None:
        raise UserError(f"no active objection {objection_id}", where="objection")
    objection.withdrawn_at = now


def active_objections(session: Session, person_id: str) -> frozenset[str]:
    """The organisations whose records this person objects to sharing outside them."""
    return frozenset(
        session.scalars(
            select(SharingObjection.organisation_id).where(
                SharingObjection.person_id == person_id, SharingObjection.withdrawn_at.is_(None)
            )
        )
    )
