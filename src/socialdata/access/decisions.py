"""The words of the gate: who asks (Actor), why (Purpose), on what footing (RelationshipBasis), and the answer
(Decision, or AccessDenied carrying a message that never says whether the person exists)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol

from socialdata.audit import PurposeOfUse
from socialdata.errors import UserError
from socialdata.governance.users import Role

# Roles that give direct care, and so may hold a relationship, claim one, or break glass.
CARE_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.GP, Role.SOCIAL_WORKER})

DENIED_MESSAGE = (
    "You do not have access to this record. If you are caring for this person, record your relationship"
    " or, in an emergency, break glass."
)


class _Account(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def organisation_id(self) -> str | None: ...
    @property
    def display_name(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """The signed-in user a decision is for; build it from the session user or bearer token's user."""

    user_id: int
    username: str
    role: Role
    organisation_id: str | None
    display_name: str | None = None  # as the account has it, when the caller has it (saves re-reading the user)

    @classmethod
    def of(cls, user: _Account) -> Actor:
        """From any account-like object (governance `User`, the web's `SessionUser`)."""
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.role,
            organisation_id=user.organisation_id,
            display_name=user.display_name,
        )


class Purpose(enum.StrEnum):
    """Why the data is wanted; travels with every request and into the audit event."""

    DIRECT_CARE = "direct_care"
    EMERGENCY_CARE = "emergency_care"  # only on a break-glass grant
    OWN_RECORD = "own_record"  # a citizen reading their own record
    RESEARCH = "research"  # secondary use: the secure data environment, never this gate
    PLANNING = "planning"  # secondary use: the secure data environment, never this gate
    OVERSIGHT = "oversight"  # the privacy officer reviewing access

    @property
    def purpose_of_use(self) -> PurposeOfUse:
        return _PURPOSE_OF_USE[self]

    @property
    def is_secondary_use(self) -> bool:
        return self in (Purpose.RESEARCH, Purpose.PLANNING)


_PURPOSE_OF_USE = {
    Purpose.DIRECT_CARE: PurposeOfUse.TREAT,
    Purpose.EMERGENCY_CARE: PurposeOfUse.ETREAT,
    Purpose.OWN_RECORD: PurposeOfUse.PATRQT,
    Purpose.RESEARCH: PurposeOfUse.HRESCH,
    Purpose.PLANNING: PurposeOfUse.HOPERAT,
    Purpose.OVERSIGHT: PurposeOfUse.HOPERAT,
}


class RelationshipKind(enum.StrEnum):
    """Why this actor may see this person: derived from the feeds, claimed, emergency, or being that person."""

    REGISTERED_GP = "registered_gp"
    OPEN_EPISODE = "open_episode"
    ALLOCATED_WORKER = "allocated_worker"
    OPEN_CARE_PACKAGE = "open_care_package"
    SELF_CLAIMED = "self_claimed"
    BREAK_GLASS = "break_glass"
    SELF = "self"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    RelationshipKind.REGISTERED_GP: "Registered at your practice",
    RelationshipKind.OPEN_EPISODE: "Open hospital episode at your trust",
    RelationshipKind.ALLOCATED_WORKER: "You are the allocated social worker",
    RelationshipKind.OPEN_CARE_PACKAGE: "Open care package with your council",
    RelationshipKind.SELF_CLAIMED: "Relationship you recorded (under review)",
    RelationshipKind.BREAK_GLASS: "Emergency access (break glass, under review)",
    RelationshipKind.SELF: "Your own record",
}


@dataclass(frozen=True)
class RelationshipBasis:
    """The footing for access, shown on the record page: kind, what it rests on, and when it ends (None: while the
    feeds say so)."""

    kind: RelationshipKind
    detail: str
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Decision:
    """One answer of the gate; exactly one audit event is written for each."""

    allowed: bool
    basis: RelationshipBasis | None
    reason: str


class AccessDenied(UserError):
    """The gate said no. The message is the same whether or not the person exists; the attempt is audited."""

    def __init__(self, message: str = DENIED_MESSAGE) -> None:
        super().__init__(message)


class WriteKind(enum.StrEnum):
    """What a professional may add to a person's record."""

    NOTE = "note"
    CARE_PLAN_ENTRY = "care_plan_entry"
