"""THE policy decision point for person-level data: every read or write about a person is decided here, and each
decision — allowed or denied — is written to the audit log in the same transaction as the read or write it allows.

Use it as:

    gate = AccessGate(db)
    with gate.open_person(actor, person_id, Purpose.DIRECT_CARE) as record:
        page = build_page(record.events(), ...)   # build the answer inside the block,
    return page                                    # serve it after: if the audit fails, the block raises

A denial raises AccessDenied with the same message whether or not the person exists; the attempt is audited (in its
own committed transaction, since there is no read to share it with).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from socialdata.access.alerts import AlertView, alert_views, raise_alert
from socialdata.access.decisions import (
    CARE_ROLES,
    AccessDenied,
    Actor,
    Decision,
    Purpose,
    RelationshipBasis,
    RelationshipKind,
)
from socialdata.access.person_access import PersonAccess
from socialdata.access.person_facts import PersonFacts, person_facts
from socialdata.access.relationships import citizen_basis, derived_basis, load_person, resolve_person
from socialdata.access.search import PersonMatch, PersonQuery, find_people
from socialdata.access.secondary_use import ProjectAccess, open_project
from socialdata.access.trail import PendingAudit, pending
from socialdata.audit import Action, append_event, append_events
from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import AccessAlert, AccessGrant, AlertStatus, GrantKind, SourcePerson
from socialdata.store.types import utcnow

BREAK_GLASS_DEFAULT = dt.timedelta(hours=4)
BREAK_GLASS_LONGEST = dt.timedelta(hours=24)
CLAIM_DEFAULT = dt.timedelta(days=14)
CLAIM_LONGEST = dt.timedelta(days=90)
REASON_SHORTEST = 10
TEXT_LONGEST = 2000

QUEUE_DENIED = "Only a privacy officer may see or review access alerts."
OVERSIGHT_DENIED = "Only a privacy officer may see this."
OVERSIGHT_ROLES = frozenset({Role.PRIVACY_OFFICER})
# Quarantined records (and the loader's messages about them, which can quote a received value) are for the people
# who fix feeds and oversee them.
QUARANTINE_ROLES = frozenset({Role.DATA_STEWARD, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR})
QUARANTINE_DENIED = "Quarantined records hold people's data; data stewards, privacy officers and administrators only."

T = TypeVar("T")


@dataclass(frozen=True)
class _Judgement:
    decision: Decision
    person_id: str | None  # the active person the requested id stands for, None when there is none
    sources: list[SourcePerson]
    facts: PersonFacts | None = None  # read once the person is known and the role may hold a basis


def _denied(reason: str) -> Decision:
    return Decision(False, None, reason)


def _checked_text(text: str | None, field: str, *, required: bool) -> str:
    value = (text or "").strip()
    if "\x00" in value:
        raise UserError("it contains a NUL character, which cannot be stored: remove it and try again", where=field)
    if required and len(value) < REASON_SHORTEST:
        raise UserError(f"say why, in at least {REASON_SHORTEST} characters", where=field)
    if len(value) > TEXT_LONGEST:
        raise UserError(f"keep it under {TEXT_LONGEST} characters (it has {len(value)})", where=field)
    return value


def _checked_duration(valid_for: dt.timedelta, longest: dt.timedelta) -> dt.timedelta:
    if not dt.timedelta(0) < valid_for <= longest:
        raise UserError(f"the time limit must be more than nothing and at most {longest}", where="valid_for")
    return valid_for


class AccessGate:
    """The gate over one store. `clock` gives "now" (tests set it; nothing here sleeps or reads the wall clock)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    # -- deciding ------------------------------------------------------------------------------------------------

    def _judge(self, s: Session, actor: Actor, person_id: str, purpose: Purpose, now: dt.datetime) -> _Judgement:
        """The decision in as few round trips as the rules allow: the person with their linked records (one
        statement), then objections, seals, grants and the organisation's kind (one), then at most one relationship
        query on the feeds."""
        if purpose.is_secondary_use:
            return _Judgement(
                _denied("research and planning use the secure data environment, not direct care"), None, []
            )
        if actor.role not in CARE_ROLES and actor.role != Role.CITIZEN:
            return _Judgement(_denied(f"the {actor.role.value} role gives no access to care records"), None, [])
        person = load_person(s, person_id)
        if person is None:
            return _Judgement(_denied("unknown person id"), None, [])
        resolved = person.person_id
        if actor.role == Role.CITIZEN:
            basis = citizen_basis(s, actor, resolved) if purpose == Purpose.OWN_RECORD else None
            mine = person_facts(s, actor, resolved, now) if basis is not None else None
            sources = person.sources if basis is not None else []
            return _Judgement(_decision(basis, "not this citizen's own record"), resolved, sources, mine)
        if purpose not in (Purpose.DIRECT_CARE, Purpose.EMERGENCY_CARE):
            return _Judgement(_denied(f"a professional may not use the {purpose.value} purpose"), resolved, [])
        facts = person_facts(s, actor, resolved, now)
        if purpose == Purpose.EMERGENCY_CARE:
            basis = facts.grants.get(GrantKind.BREAK_GLASS)
        else:
            basis = (
                derived_basis(s, actor, facts, person.sources, now)
                or facts.grants.get(GrantKind.SELF_CLAIMED)
                or facts.grants.get(GrantKind.BREAK_GLASS)
            )
        return _Judgement(_decision(basis, "no legitimate relationship"), resolved, person.sources, facts)

    # -- reading and writing one person's record -----------------------------------------------------------------

    @contextmanager
    def open_person(
        self, actor: Actor, person_id: str, purpose: Purpose = Purpose.DIRECT_CARE
    ) -> Iterator[PersonAccess]:
        """Open a person's record for one transaction, or raise AccessDenied. The open and every item-level decision
        made through the PersonAccess are appended to the audit log as the block ends, just before it commits."""
        access: PersonAccess | None = None
        judgement: _Judgement | None = None
        try:
            with self._db.session() as s:
                now = self._clock()
                judgement = self._judge(s, actor, person_id, purpose, now)
                opened = self._pending(actor, judgement, Action.READ, purpose, person_id, "Patient", person_id, now)
                basis, facts = judgement.decision.basis, judgement.facts
                if not judgement.decision.allowed or basis is None or judgement.person_id is None or facts is None:
                    append_event(s, opened.event())
                else:
                    access = PersonAccess(
                        s,
                        actor=actor,
                        person_id=judgement.person_id,
                        purpose=purpose,
                        basis=basis,
                        sources=judgement.sources,
                        objections=facts.objections,
                        sealed=facts.sealed,
                        clock=self._clock,
                    )
                    access.audits.insert(0, opened)
                    try:
                        yield access
                    finally:
                        access.close()
                    append_events(s, [audit.event() for audit in access.audits])
        except BaseException:
            # The read did not happen, but a refusal made inside the block must still be on the record.
            if access is not None and access.denials():
                with self._db.session() as s:
                    append_events(s, [audit.event() for audit in access.denials()])
            raise
        if judgement is None or not judgement.decision.allowed:
            raise AccessDenied

    # -- secondary use: a project's extract in the secure data environment ----------------------------------------

    @contextmanager
    def open_project(
        self,
        actor: Actor,
        project_id: int,
        purpose: Purpose,
        *,
        action: Action = Action.READ,
        entity_type: str = "ProjectExtract",
        entity_id: str | None = None,
    ) -> Iterator[ProjectAccess]:
        """Use a project's data for one transaction, or raise AccessDenied: only its members, only at stage access,
        only under an active agreement within its dates (read against this gate's clock) covering what it asks for,
        only for its purpose. Audited as the block ends; `pa.detail` is added to the event (see secondary_use)."""
        target = entity_id if entity_id is not None else str(project_id)
        with open_project(
            self._db, self._clock, actor, project_id, purpose, action=action, entity_type=entity_type, entity_id=target
        ) as access:
            yield access

    def _pending(
        self,
        actor: Actor,
        judgement: _Judgement,
        action: Action,
        purpose: Purpose,
        requested: str,
        entity_type: str,
        entity_id: str,
        now: dt.datetime,
    ) -> PendingAudit:
        detail = {} if judgement.person_id in (None, requested) else {"requested_person_id": requested}
        return pending(
            actor,
            judgement.decision,
            action=action,
            purpose=purpose,
            patient_id=judgement.person_id or requested,
            entity_type=entity_type,
            entity_id=entity_id,
            at=now,
            detail=detail,
        )

    # -- finding a person ------------------------------------------------------------------------------------------

    def search(self, actor: Actor, query: PersonQuery, purpose: Purpose = Purpose.DIRECT_CARE) -> list[PersonMatch]:
        """Demographics of the people matching a strict query (audited with who was found), for care roles only."""
        with self._db.session() as s:
            now = self._clock()
            if actor.role not in CARE_ROLES or purpose not in (Purpose.DIRECT_CARE, Purpose.EMERGENCY_CARE):
                decision = _denied("search is for professionals giving direct care")
                matches: list[PersonMatch] = []
            else:
                matches = find_people(s, query)
                decision = Decision(True, None, "search for direct care")
            found = [m.person_id for m in matches]
            audit = pending(
                actor,
                decision,
                action=Action.EXECUTE,
                purpose=purpose,
                patient_id=found[0] if len(found) == 1 else None,
                entity_type="PatientSearch",
                entity_id=query.by,
                at=now,
                detail={"by": query.by, "matches": len(found), "person_ids": found},
            )
            append_event(s, audit.event())
        if not decision.allowed:
            raise AccessDenied("Only professionals giving direct care may search for people.")
        return matches

    # -- access on the professional's own word -------------------------------------------------------------------

    def claim_relationship(
        self, actor: Actor, person_id: str, reason: str, *, valid_for: dt.timedelta = CLAIM_DEFAULT
    ) -> RelationshipBasis:
        """Record "I am caring for this person" with a reason: access for a limited time, and an alert for review."""
        return self._grant(
            actor, person_id, GrantKind.SELF_CLAIMED, reason, _checked_duration(valid_for, CLAIM_LONGEST)
        )

    def break_glass(
        self, actor: Actor, person_id: str, reason: str, *, valid_for: dt.timedelta = BREAK_GLASS_DEFAULT
    ) -> RelationshipBasis:
        """Emergency access with a stated reason: time-limited (4 hours unless said), alerted to the privacy officer."""
        return self._grant(
            actor, person_id, GrantKind.BREAK_GLASS, reason, _checked_duration(valid_for, BREAK_GLASS_LONGEST)
        )

    def _grant(
        self, actor: Actor, person_id: str, kind: GrantKind, reason: str, valid_for: dt.timedelta
    ) -> RelationshipBasis:
        stated = _checked_text(reason, "reason", required=True)
        purpose = Purpose.EMERGENCY_CARE if kind == GrantKind.BREAK_GLASS else Purpose.DIRECT_CARE
        with self._db.session() as s:
            now = self._clock()
            resolved = resolve_person(s, person_id) if actor.role in CARE_ROLES else None
            basis: RelationshipBasis | None = None
            entity_id = person_id
            if resolved is not None:
                grant = AccessGrant(
                    kind=kind,
                    user_id=actor.user_id,
                    person_id=resolved,
                    reason=stated,
                    granted_at=now,
                    expires_at=now + valid_for,
                )
                s.add(grant)
                s.flush()
                raise_alert(s, grant, now)
                basis = RelationshipBasis(RelationshipKind(kind), f"Reason given: {stated}", grant.expires_at)
                entity_id = str(grant.id)
            why = "unknown person id" if actor.role in CARE_ROLES else f"the {actor.role.value} role may not do this"
            judgement = _Judgement(_decision(basis, why), resolved, [])
            audit = self._pending(actor, judgement, Action.CREATE, purpose, person_id, "AccessGrant", entity_id, now)
            audit.detail.update({"grant": kind.value, "reason_given": stated})
            append_event(s, audit.event())
        if basis is None:
            raise AccessDenied
        return basis

    # -- the privacy officer's queue -----------------------------------------------------------------------------

    def oversee(
        self,
        actor: Actor,
        read: Callable[[Session], list[T]],
        *,
        entity_type: str,
        entity_id: str,
        patient_id: str | None = None,
        roles: frozenset[Role] = OVERSIGHT_ROLES,
        refusal: str = OVERSIGHT_DENIED,
        action: Action = Action.READ,
    ) -> list[T]:
        """Governance work about people outside direct care (the alert queue, the audit log, linkage review and its
        decisions): `read` runs only for the given roles (privacy officers unless said), in the transaction that
        audits it as `action`; any other role gets AccessDenied, audited. If `read` raises, nothing is written."""
        with self._db.session() as s:
            allowed = actor.role in roles
            decision = Decision(allowed, None, "oversight" if allowed else f"the {actor.role.value} role may not")
            # Decided before the work runs: if the work refuses bad input, the route has still asked the gate, and
            # the rollback takes the work and its audit event together.
            audit = pending(
                actor,
                decision,
                action=action,
                purpose=Purpose.OVERSIGHT,
                patient_id=patient_id,
                entity_type=entity_type,
                entity_id=entity_id,
                at=self._clock(),
            )
            rows = read(s) if allowed else []
            audit.detail["returned"] = len(rows)
            append_event(s, audit.event())
        if not allowed:
            raise AccessDenied(refusal)
        return rows

    def list_alerts(self, actor: Actor, *, status: AlertStatus | None = AlertStatus.OPEN) -> list[AlertView]:
        """The queue (open alerts, oldest first) or all of them; privacy officers only, audited."""
        return self.oversee(
            actor,
            lambda s: alert_views(s, status=status),
            entity_type="AccessAlertQueue",
            entity_id=status.value if status else "all",
            refusal=QUEUE_DENIED,
        )

    def review_alert(self, reviewer: Actor, alert_id: int, outcome: AlertStatus, note: str | None) -> AlertView:
        """Judge an open alert: justified, or referred (which also ends the grant at once). A referral needs a note."""
        if outcome == AlertStatus.OPEN:
            raise UserError("choose justified or referred", where="outcome")
        text = _checked_text(note, "note", required=outcome == AlertStatus.REFERRED)
        with self._db.session() as s:
            now = self._clock()
            allowed = reviewer.role == Role.PRIVACY_OFFICER
            alert = s.get(AccessAlert, alert_id) if allowed else None
            if allowed and (alert is None or alert.status != AlertStatus.OPEN):
                raise UserError(f"alert {alert_id} is not waiting for review", where="alert")
            grant = s.get(AccessGrant, alert.grant_id) if alert is not None else None
            if alert is not None and grant is not None:
                alert.status = outcome
                alert.reviewer_id = reviewer.user_id
                alert.reviewed_at = now
                alert.review_note = text or None
                if outcome == AlertStatus.REFERRED and grant.revoked_at is None:
                    grant.revoked_at = now
                s.flush()
            decision = Decision(allowed, None, f"reviewed: {outcome.value}" if allowed else "not a privacy officer")
            audit = pending(
                reviewer,
                decision,
                action=Action.UPDATE,
                purpose=Purpose.OVERSIGHT,
                patient_id=grant.person_id if grant is not None else None,
                entity_type="AccessAlert",
                entity_id=str(alert_id),
                at=now,
                detail={"outcome": outcome.value},
            )
            views = alert_views(s, status=None, alert_id=alert_id) if allowed else []
            append_event(s, audit.event())
        if not allowed:
            raise AccessDenied(QUEUE_DENIED)
        return views[0]


def _decision(basis: RelationshipBasis | None, refusal: str) -> Decision:
    if basis is None:
        return _denied(refusal)
    return Decision(True, basis, basis.kind.value)
