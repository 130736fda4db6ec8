"""The owning partner's queue of correction requests: its staff (care roles and administrators of that partner) read
the open requests and accept or decline each with a reason — every read and decision decided and audited by the gate
as oversight work about people outside direct care."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from socialdata.access import CARE_ROLES, AccessGate, Actor
from socialdata.audit import Action
from socialdata.citizen.corrections import CorrectionView, decide, queue, request_person
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import CorrectionStatus
from socialdata.store.types import utcnow

QUEUE_ROLES = CARE_ROLES | {Role.ADMINISTRATOR}
QUEUE_REFUSED = "Only the staff of a partner organisation can see its correction requests."


class CorrectionQueue:
    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self.gate = AccessGate(db, clock=clock)
        self._clock = clock

    def requests(self, actor: Actor, status: CorrectionStatus | None = CorrectionStatus.OPEN) -> list[CorrectionView]:
        """The actor's organisation's requests (open ones unless said), oldest first."""
        return self.gate.oversee(
            actor,
            lambda s: queue(s, actor.organisation_id, status),
            entity_type="CorrectionQueue",
            entity_id=actor.organisation_id or "none",
            roles=QUEUE_ROLES,
            refusal=QUEUE_REFUSED,
        )

    def decide(self, actor: Actor, request_id: int, *, accept: bool, reason: str) -> CorrectionView:
        """Accept or decline one open request of the actor's organisation, with a reason the person will read."""
        with self._db.session() as s:
            person = request_person(s, request_id)
        [view] = self.gate.oversee(
            actor,
            lambda s: [
                decide(
                    s,
                    request_id,
                    organisation_id=actor.organisation_id,
                    user_id=actor.user_id,
                    accept=accept,
                    reason=reason,
                    now=self._clock(),
                )
            ],
            entity_type="CorrectionRequest",
            entity_id=str(request_id),
            patient_id=person,
            roles=QUEUE_ROLES,
            refusal=QUEUE_REFUSED,
            action=Action.UPDATE,
        )
        return view
