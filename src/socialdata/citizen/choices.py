"""My choices: the national data opt-out (research and planning only), the Foundation's own choice about being
contacted for research, and objections to a partner's records being shared in the care record. Each change is made
through `consent` (or here, for the Foundation's own choice) inside the gate's block, audited with it, and read at the
very next access or extract."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from socialdata.access import PersonAccess
from socialdata.audit import Action
from socialdata.citizen.own_access import audit_step, checked_text, person_ids
from socialdata.consent import record_objection, set_national_opt_out, withdraw_objection
from socialdata.errors import UserError
from socialdata.store.models import FoundationChoice, NationalOptOut, Organisation, SharingObjection

NOTE_LONGEST = 500


@dataclass(frozen=True)
class Partner:
    id: str
    name: str


@dataclass(frozen=True)
class Objection:
    id: int
    partner: Partner
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Choices:
    opted_out: bool
    opt_out_changed_at: dt.datetime | None
    research_contact: bool
    objections: list[Objection]
    partners: list[Partner]  # the partners that hold records about the person: those an objection can name

    @property
    def objected(self) -> frozenset[str]:
        return frozenset(o.partner.id for o in self.objections)


def _changed_by(access: PersonAccess) -> str:
    return f"citizen:{access.actor.username}"


def read_choices(access: PersonAccess) -> Choices:
    s = access.session
    names = {k: v for k, v in s.execute(select(Organisation.id, Organisation.name))}
    held = sorted({sp.organisation_id for sp in access.source_persons()})
    opt_out = s.get(NationalOptOut, access.person_id)
    foundation = s.get(FoundationChoice, access.person_id)
    rows = s.scalars(
        select(SharingObjection)
        .where(SharingObjection.person_id.in_(person_ids(s, access.person_id)), SharingObjection.withdrawn_at.is_(None))
        .order_by(SharingObjection.id)
    ).all()
    return Choices(
        opted_out=opt_out is not None and opt_out.opted_out,
        opt_out_changed_at=opt_out.changed_at if opt_out is not None else None,
        research_contact=foundation is not None and foundation.research_contact,
        objections=[
            Objection(r.id, Partner(r.organisation_id, names.get(r.organisation_id, r.organisation_id)), r.recorded_at)
            for r in rows
        ],
        partners=[Partner(org, names.get(org, org)) for org in held],
    )


def change_opt_out(access: PersonAccess, opted_out: bool, now: dt.datetime) -> None:
    set_national_opt_out(access.session, access.person_id, opted_out, changed_by=_changed_by(access), now=now)
    audit_step(access, Action.UPDATE, "NationalOptOut", access.person_id, now, {"opted_out": opted_out})


def change_research_contact(access: PersonAccess, contact: bool, now: dt.datetime) -> None:
    choice = access.session.get(FoundationChoice, access.person_id)
    if choice is None:
        access.session.add(
            FoundationChoice(
                person_id=access.person_id, research_contact=contact, changed_at=now, changed_by=access.actor.user_id
            )
        )
    else:
        choice.research_contact, choice.changed_at, choice.changed_by = contact, now, access.actor.user_id
    access.session.flush()
    audit_step(access, Action.UPDATE, "FoundationChoice", access.person_id, now, {"research_contact": contact})


def object_to_sharing(access: PersonAccess, organisation_id: str, note: str, now: dt.datetime) -> None:
    """Object to one partner's records being shown to anyone outside that partner."""
    held = {sp.organisation_id for sp in access.source_persons()}
    if organisation_id not in held:
        raise UserError("choose one of the partners that hold records about you", where="organisation")
    text = checked_text(note, "note", shortest=0, longest=NOTE_LONGEST) or None
    objection = record_objection(
        access.session, access.person_id, organisation_id, recorded_by=_changed_by(access), now=now, note=text
    )
    audit_step(access, Action.CREATE, "SharingObjection", str(objection.id), now, {"organisation": organisation_id})


def withdraw_sharing_objection(access: PersonAccess, objection_id: int, now: dt.datetime) -> None:
    objection = access.session.get(SharingObjection, objection_id)
    if objection is None or objection.person_id not in person_ids(access.session, access.person_id):
        raise UserError(f"you have no objection {objection_id}", where="objection")
    withdraw_objection(access.session, objection_id, now=now)
    detail = {"organisation": objection.organisation_id}
    audit_step(access, Action.UPDATE, "SharingObjection", str(objection_id), now, detail)
