"""Who looked at my record: every audit event about the person, in plain words — who (name, role, organisation),
when, what, why (purpose and relationship basis) — with break glass and claimed relationships shown with the reason
given and the privacy officer's review, and each event's place in the tamper-evident log (for its inclusion proof).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import PersonAccess
from socialdata.citizen.own_access import person_ids
from socialdata.governance.users import Role
from socialdata.store.models import (
    AccessAlert,
    AccessGrant,
    AuditEventRecord,
    AuditLeaf,
    GrantKind,
    Organisation,
    UserAccount,
)

SHOWN_LONGEST = 1000  # newest events on the page; the download has them all

PURPOSE_WORDS = {
    "direct_care": "Your care",
    "emergency_care": "Emergency care",
    "own_record": "You, looking at your own record",
    "oversight": "Checking that access to records is proper (privacy oversight)",
    "research": "Research",
    "planning": "Planning services",
}
BASIS_WORDS = {
    "registered_gp": "You are registered at their GP practice",
    "open_episode": "You have an open hospital episode at their trust",
    "allocated_worker": "They are your allocated social worker",
    "open_care_package": "You have an open care package with their council",
    "self_claimed": "They recorded that they are caring for you (checked by the privacy officer)",
    "break_glass": "Emergency access (break glass)",
    "self": "Your own login",
}
ACTION_WORDS = {
    ("Patient", "R"): "Opened your record",
    ("source_event", "R"): "Looked at one item of your record",
    ("record_entry", "R"): "Looked at one item of your record",
    ("note", "C"): "Added a note to your record",
    ("care_plan_entry", "C"): "Added a care-plan entry to your record",
    ("PatientSearch", "E"): "Searched for people and found you",
    ("AccessAlert", "U"): "Reviewed emergency or claimed access to your record",
    ("AuditEvent", "R"): "Read the audit log about you",
    ("AccessLog", "R"): "Looked at who looked at your record",
    ("AuditProof", "R"): "Looked at the proof for one access",
    ("DataUses", "R"): "Looked at how your data was used",
    ("Choices", "R"): "Looked at your choices",
    ("SubjectAccessExport", "R"): "Downloaded everything about you",
    ("NationalOptOut", "U"): "Changed your national data opt-out",
    ("FoundationChoice", "U"): "Changed your research-contact choice",
    ("SharingObjection", "C"): "Recorded your objection to a partner's records being shared",
    ("SharingObjection", "U"): "Withdrew your objection to a partner's records being shared",
    ("CorrectionRequest", "C"): "Asked for a correction",
    ("CorrectionRequest", "U"): "Decided on your correction request",
    ("CorrectionQueue", "R"): "Read correction requests, including yours",
    ("WithheldItem", "U"): "Changed whether an item is kept from your own view",
}
GRANT_WORDS = {
    GrantKind.BREAK_GLASS.value: "Broke glass: opened your record in an emergency",
    GrantKind.SELF_CLAIMED.value: "Recorded that they are caring for you",
}
REVIEW_WORDS = {
    "open": "Not yet reviewed by the privacy officer",
    "justified": "Reviewed by the privacy officer: justified",
    "referred": "Reviewed by the privacy officer: referred for investigation (access ended)",
}


@dataclass(frozen=True)
class AccessEntry:
    """One audit event about the person, as they read it."""

    event_id: int
    leaf_index: int | None  # None until the sequencer has placed it in the tree (seconds)
    when: dt.datetime
    who: str
    role: str
    organisation: str
    what: str
    purpose: str
    basis: str | None
    allowed: bool
    break_glass: bool
    you: bool
    grant_reason: str | None = None
    review: str | None = None
    review_note: str | None = None


@dataclass(frozen=True)
class _Grant:
    reason: str
    review: str | None
    review_note: str | None


def _role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def _grants(session: Session, ids: Sequence[str]) -> list[tuple[AccessGrant, AccessAlert | None]]:
    rows = session.execute(
        select(AccessGrant, AccessAlert)
        .outerjoin(AccessAlert, AccessAlert.grant_id == AccessGrant.id)
        .where(AccessGrant.person_id.in_(list(ids)))
        .order_by(AccessGrant.granted_at)
    ).all()
    return [(grant, alert) for grant, alert in rows]


def _grant_for(row: AuditEventRecord, grants: list[tuple[AccessGrant, AccessAlert | None]]) -> _Grant | None:
    """The grant behind an event: the one it created, or the one in force for that user when they read."""
    basis = (row.detail or {}).get("basis")
    chosen: tuple[AccessGrant, AccessAlert | None] | None = None
    if row.entity_type == "AccessGrant":
        chosen = next(((g, a) for g, a in grants if str(g.id) == row.entity_id), None)
    elif basis in (GrantKind.BREAK_GLASS.value, GrantKind.SELF_CLAIMED.value):
        in_force = [
            (g, a)
            for g, a in grants
            if g.user_id == row.user_id and g.kind == basis and g.granted_at <= row.recorded_at <= g.expires_at
        ]
        chosen = in_force[-1] if in_force else None
    if chosen is None:
        return None
    grant, alert = chosen
    return _Grant(
        grant.reason,
        REVIEW_WORDS.get(alert.status) if alert is not None else None,
        alert.review_note if alert is not None else None,
    )


def _what(row: AuditEventRecord) -> str:
    detail = row.detail or {}
    if row.entity_type == "AccessGrant":
        return GRANT_WORDS.get(str(detail.get("grant")), "Took access to your record on their own word")
    return ACTION_WORDS.get((row.entity_type, row.action), f"{row.entity_type} ({row.action})")


def read_access_log(access: PersonAccess, *, limit: int | None = SHOWN_LONGEST) -> list[AccessEntry]:
    """Inside the gate's block: every event about the person (and ids merged into them), newest first."""
    s = access.session
    ids = person_ids(s, access.person_id)
    query = (
        select(AuditEventRecord, AuditLeaf.leaf_index)
        .outerjoin(AuditLeaf, AuditLeaf.event_id == AuditEventRecord.id)
        .where(AuditEventRecord.patient_id.in_(ids))
        .order_by(AuditEventRecord.id.desc())
    )
    rows = s.execute(query.limit(limit) if limit is not None else query).all()
    users = {row.user_id for row, _ in rows if row.user_id is not None}
    names = (
        {k: v for k, v in s.execute(select(UserAccount.id, UserAccount.display_name).where(UserAccount.id.in_(users)))}
        if users
        else {}
    )
    orgs = {k: v for k, v in s.execute(select(Organisation.id, Organisation.name))}
    grants = _grants(s, ids)
    entries = []
    for row, leaf in rows:
        detail = row.detail or {}
        grant = _grant_for(row, grants)
        basis = detail.get("basis")
        entries.append(
            AccessEntry(
                event_id=row.id,
                leaf_index=leaf,
                when=row.recorded_at,
                who=names.get(row.user_id, row.username) if row.user_id is not None else row.username,
                role=_role_label(row.role),
                organisation=orgs.get(row.organisation_id, row.organisation_id) if row.organisation_id else "—",
                what=_what(row),
                purpose=PURPOSE_WORDS.get(str(detail.get("purpose")), str(detail.get("purpose", row.purpose))),
                basis=BASIS_WORDS.get(str(basis), str(basis)) if basis else None,
                allowed=row.outcome == 0,
                break_glass=row.break_glass or basis == GrantKind.BREAK_GLASS.value,
                you=row.user_id == access.actor.user_id,
                grant_reason=grant.reason if grant else None,
                review=grant.review if grant else None,
                review_note=grant.review_note if grant else None,
            )
        )
    return entries
