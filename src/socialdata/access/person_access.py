"""The capability the gate hands out: the only way record code reaches one person's data, for one transaction.

It knows the person's linked source records, the actor's basis, the person's objections and sealed items, and it
filters every item by sensitivity before the caller sees it. It stops working when the gate's block ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from socialdata.access.decisions import (
    CARE_ROLES,
    AccessDenied,
    Actor,
    Decision,
    Purpose,
    RelationshipBasis,
    WriteKind,
)
from socialdata.access.items import SOURCE_EVENT, Filtered, ItemFacts, event_facts
from socialdata.access.sensitivity import may_see
from socialdata.access.trail import PendingAudit, pending
from socialdata.audit import Action
from socialdata.consent import ItemRef
from socialdata.governance.users import Role
from socialdata.store.models import SourceEvent, SourcePerson

T = TypeVar("T")


@dataclass
class WriteAuthorisation:
    """Leave to add one entry to the record: the author and basis to store with it as provenance.

    Call `written(item_id)` once the row has its id, so the audit event names it.
    """

    author: Actor
    person_id: str
    kind: WriteKind
    basis: RelationshipBasis
    at: dt.datetime
    _audit: PendingAudit

    def written(self, item_id: int) -> None:
        self._audit.entity_id = str(item_id)


class PersonAccess:
    """One actor's access to one person, for the purpose they gave, inside the gate's transaction."""

    def __init__(
        self,
        session: Session,
        *,
        actor: Actor,
        person_id: str,
        purpose: Purpose,
        basis: RelationshipBasis,
        sources: list[SourcePerson],
        objections: frozenset[str],
        sealed: frozenset[ItemRef],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._session = session
        self.actor = actor
        self.person_id = person_id
        self.purpose = purpose
        self.basis = basis
        self._sources = sources
        self._objections = objections
        self._sealed = sealed
        self._clock = clock
        self._open = True
        self.audits: list[PendingAudit] = []

    # -- the capability's lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._open = False

    @property
    def session(self) -> Session:
        """The gate's transaction, for the record's own writes (they commit, or not, with the audit events)."""
        self._check_open()
        return self._session

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("this PersonAccess was used after its gate block ended")

    # -- what the person's record is made of ---------------------------------------------------------------------

    def source_persons(self) -> list[SourcePerson]:
        """The person as each partner knows them (demographics), oldest record first (read with the decision)."""
        self._check_open()
        return list(self._sources)

    def events(self, kinds: Collection[str] | None = None) -> Filtered[SourceEvent]:
        """The person's feed events (optionally of some kinds), oldest first, filtered for this actor."""
        self._check_open()
        by_org: dict[str, list[str]] = {}
        for key in self._sources:
            by_org.setdefault(key.organisation_id, []).append(key.source_id)
        if not by_org:
            return Filtered(visible=[])
        query = select(SourceEvent).where(
            or_(
                *(
                    and_(SourceEvent.organisation_id == org, SourceEvent.person_source_id.in_(ids))
                    for org, ids in by_org.items()
                )
            )
        )
        if kinds is not None:
            query = query.where(SourceEvent.kind.in_(list(kinds)))
        found = list(self._session.scalars(query))
        found.sort(key=lambda e: (e.start_at is None, e.start_at or dt.datetime.min.replace(tzinfo=dt.UTC), e.id))
        return self.filter(found, event_facts)

    def event(self, event_id: int) -> SourceEvent:
        """One feed event asked for by id: refused (and audited) alike when it is not this person's, does not exist,
        is sealed, or is of a category the actor's role may not see."""
        self._check_open()
        event = self._session.get(SourceEvent, event_id)
        keys = {(key.organisation_id, key.source_id) for key in self._sources}
        if event is None or (event.organisation_id, event.person_source_id) not in keys:
            raise self._refused(ItemRef(SOURCE_EVENT, event_id), "not an item of this person's record")
        facts = event_facts(event)
        self.check_item(facts)
        return event

    # -- the policy on items -------------------------------------------------------------------------------------

    def may_see(self, facts: ItemFacts) -> bool:
        """Objections first (another organisation's records the person objected to sharing), then sensitivity."""
        own_view = self.actor.role == Role.CITIZEN
        if (
            not own_view
            and facts.organisation_id in self._objections
            and facts.organisation_id != self.actor.organisation_id
        ):
            return False
        return may_see(self.actor.role, facts.category(self._sealed))

    def filter(self, items: Iterable[T], describe: Callable[[T], ItemFacts]) -> Filtered[T]:
        """The items this actor may see, and how many were withheld; `describe` gives each item's facts."""
        self._check_open()
        visible: list[T] = []
        withheld = 0
        for item in items:
            if self.may_see(describe(item)):
                visible.append(item)
            else:
                withheld += 1
        return Filtered(visible=visible, withheld=withheld)

    def check_item(self, facts: ItemFacts) -> None:
        """One item asked for directly (e.g. by id in a URL): audited; AccessDenied when it may not be shown."""
        self._check_open()
        if not self.may_see(facts):
            raise self._refused(facts.ref, "item withheld by sensitivity, seal or objection")
        decision = Decision(True, self.basis, "item shown")
        self.audits.append(self._pending(decision, Action.READ, facts.ref))

    def _refused(self, ref: ItemRef, reason: str) -> AccessDenied:
        decision = Decision(False, self.basis, reason)
        self.audits.append(self._pending(decision, Action.READ, ref))
        return AccessDenied("This item is not available to you.")

    def _pending(self, decision: Decision, action: Action, ref: ItemRef) -> PendingAudit:
        return pending(
            self.actor,
            decision,
            action=action,
            purpose=self.purpose,
            patient_id=self.person_id,
            entity_type=ref.item_type,
            entity_id=str(ref.item_id),
            at=self._clock(),
        )

    # -- writing -------------------------------------------------------------------------------------------------

    def authorise_write(self, kind: WriteKind) -> WriteAuthorisation:
        """Leave for a professional caring for the person to add a note or care-plan entry (audited either way)."""
        self._check_open()
        at = self._clock()
        allowed = self.actor.role in CARE_ROLES
        decision = Decision(allowed, self.basis, f"add a {kind.value}" if allowed else "this role may not add entries")
        audit = pending(
            self.actor,
            decision,
            action=Action.CREATE,
            purpose=self.purpose,
            patient_id=self.person_id,
            entity_type=kind.value,
            entity_id="new",
            at=at,
        )
        self.audits.append(audit)
        if not allowed:
            raise AccessDenied("Your role may not add entries to a person's record.")
        return WriteAuthorisation(self.actor, self.person_id, kind, self.basis, at, audit)

    def denials(self) -> list[PendingAudit]:
        return [audit for audit in self.audits if not audit.decision.allowed]
