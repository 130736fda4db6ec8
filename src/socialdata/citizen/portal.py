"""The citizen portal's service: each thing a person does about their own data, one gate decision each (their own
record, Purpose.OWN_RECORD), with what they change and the audit event in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from socialdata.access import AccessGate, Actor, ItemRef
from socialdata.audit import Action
from socialdata.citizen.access_log import AccessEntry, read_access_log
from socialdata.citizen.choices import (
    Choices,
    change_opt_out,
    change_research_contact,
    object_to_sharing,
    read_choices,
    withdraw_sharing_objection,
)
from socialdata.citizen.corrections import add_request
from socialdata.citizen.data_uses import DataUses, read_data_uses
from socialdata.citizen.export_bundle import SubjectAccess
from socialdata.citizen.own_access import audit_step, own_record, refused
from socialdata.citizen.own_record import OwnRecord, read_own_record
from socialdata.citizen.proofs import EventProof, event_proof, read_event_bytes
from socialdata.store import Database
from socialdata.store.types import utcnow


class CitizenPortal:
    """What a citizen can see and do about their own data, over one store; `clock` gives "now" (tests set it)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self.gate = AccessGate(db, clock=clock)
        self._clock = clock

    # -- seeing ------------------------------------------------------------------------------------------------

    def record(self, actor: Actor, person_id: str) -> OwnRecord:
        with own_record(self.gate, actor, person_id) as access:
            return read_own_record(access, self._clock())

    def access_log(self, actor: Actor, person_id: str) -> list[AccessEntry]:
        with own_record(self.gate, actor, person_id) as access:
            audit_step(access, Action.READ, "AccessLog", access.person_id, self._clock())
            return read_access_log(access)

    def proof(self, actor: Actor, person_id: str, event_id: int) -> EventProof:
        with own_record(self.gate, actor, person_id) as access:
            now = self._clock()
            event = read_event_bytes(access, event_id, now)
            audit_step(access, Action.READ, "AuditProof", str(event_id), now)
        return event_proof(self._db, event)

    def data_uses(self, actor: Actor, person_id: str) -> DataUses:
        with own_record(self.gate, actor, person_id) as access:
            audit_step(access, Action.READ, "DataUses", access.person_id, self._clock())
            return read_data_uses(access)

    def choices(self, actor: Actor, person_id: str) -> Choices:
        with own_record(self.gate, actor, person_id) as access:
            audit_step(access, Action.READ, "Choices", access.person_id, self._clock())
            return read_choices(access)

    def export(self, actor: Actor, person_id: str) -> SubjectAccess:
        """Everything, in one gate decision and one audited event (the download's content is built from it)."""
        with own_record(self.gate, actor, person_id) as access:
            now = self._clock()
            audit_step(access, Action.READ, "SubjectAccessExport", access.person_id, now)
            return SubjectAccess(
                record=read_own_record(access, now),
                access_log=read_access_log(access, limit=None),
                choices=read_choices(access),
                data_uses=read_data_uses(access).uses,
                made_at=now,
            )

    # -- choosing ----------------------------------------------------------------------------------------------

    def set_opt_out(self, actor: Actor, person_id: str, opted_out: bool) -> None:
        with own_record(self.gate, actor, person_id) as access:
            change_opt_out(access, opted_out, self._clock())

    def set_research_contact(self, actor: Actor, person_id: str, contact: bool) -> None:
        with own_record(self.gate, actor, person_id) as access:
            change_research_contact(access, contact, self._clock())

    def object_to(self, actor: Actor, person_id: str, organisation_id: str, note: str = "") -> None:
        with own_record(self.gate, actor, person_id) as access:
            object_to_sharing(access, organisation_id, note, self._clock())

    def withdraw_objection(self, actor: Actor, person_id: str, objection_id: int) -> None:
        with own_record(self.gate, actor, person_id) as access:
            withdraw_sharing_objection(access, objection_id, self._clock())

    # -- correcting --------------------------------------------------------------------------------------------

    def request_correction(self, actor: Actor, person_id: str, ref: ItemRef, statement: str) -> int:
        """Ask the partner holding an item the person can see to correct it; refused alike for any other item."""
        with own_record(self.gate, actor, person_id) as access:
            now = self._clock()
            own = read_own_record(access, now).find(ref)
            if own is None:
                raise refused(access, Action.CREATE, "CorrectionRequest", _ref(ref), now, "not in the person's view")
            request = add_request(access.session, access.person_id, own.item, statement, user_id=actor.user_id, now=now)
            audit_step(access, Action.CREATE, "CorrectionRequest", str(request.id), now, {"item": _ref(ref)})
            return request.id


def _ref(ref: ItemRef) -> str:
    return f"{ref.item_type}/{ref.item_id}"
