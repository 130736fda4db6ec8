"""The one door every citizen page goes through: the gate opens the person's own record (Purpose.OWN_RECORD), which
it allows only to the citizen whose login is linked to that person; what the citizen then changes is audited in the
same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from socialdata.access import AccessDenied, AccessGate, Actor, Decision, PersonAccess, Purpose
from socialdata.access.trail import pending
from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import CitizenLink, Person

TEXT_LONGEST = 2000
REFUSED = "This item is not available to you."


@contextmanager
def own_record(gate: AccessGate, actor: Actor, person_id: str) -> Iterator[PersonAccess]:
    """The person's own record for one transaction, or AccessDenied (audited, the same answer whether or not another
    person with that id exists)."""
    with gate.open_person(actor, person_id, Purpose.OWN_RECORD) as access:
        yield access


def audit_step(
    access: PersonAccess,
    action: Action,
    entity_type: str,
    entity_id: str,
    at: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit one step the person (or a professional on their record) took inside the gate's block — what they read or
    changed — appended with the gate's own event as the block commits."""
    decision = Decision(True, access.basis, f"{entity_type} {'read' if action == Action.READ else 'changed'}")
    access.audits.append(
        pending(
            access.actor,
            decision,
            action=action,
            purpose=access.purpose,
            patient_id=access.person_id,
            entity_type=entity_type,
            entity_id=entity_id,
            at=at,
            detail=detail,
        )
    )


def refused(
    access: PersonAccess, action: Action, entity_type: str, entity_id: str, at: dt.datetime, why: str
) -> AccessDenied:
    """Refuse one thing asked for by id inside the person's own record (audited; the same words whether it does not
    exist or is someone else's)."""
    access.audits.append(
        pending(
            access.actor,
            Decision(False, access.basis, why),
            action=action,
            purpose=access.purpose,
            patient_id=access.person_id,
            entity_type=entity_type,
            entity_id=entity_id,
            at=at,
        )
    )
    return AccessDenied(REFUSED)


def person_ids(session: Session, person_id: str) -> list[str]:
    """The person's id and the ids the index merged into it (events and requests may name either)."""
    merged = session.scalars(select(Person.id).where(or_(Person.id == person_id, Person.merged_into == person_id)))
    return sorted(set(merged) | {person_id})


def linked_person(db: Database, actor: Actor) -> str | None:
    """The person a citizen's login is linked to (the login's own link, not anyone's record), if any."""
    with db.session() as s:
        link = s.get(CitizenLink, actor.user_id)
        return link.person_id if link is not None else None


def checked_text(text: str, where: str, *, shortest: int = 1, longest: int = TEXT_LONGEST) -> str:
    """A person's free text as written (shown escaped, never trimmed inside), or a UserError saying what to fix."""
    value = text.strip()
    if "\x00" in value:
        raise UserError("it contains a NUL character, which cannot be stored: remove it and try again", where=where)
    if len(value) < shortest:
        raise UserError(f"write at least {shortest} character{'s' if shortest > 1 else ''}", where=where)
    if len(value) > longest:
        raise UserError(f"keep it under {longest:,} characters (it has {len(value):,})", where=where)
    return value
