"""A small city for the gate's tests (partners, professionals, three people and their feed events), and the matrix of
every role × relationship the gate derives from the feeds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from socialdata.access import AccessDenied, AccessGate, Actor, Purpose, RelationshipKind, link_citizen
from socialdata.audit import Action, Outcome, PurposeOfUse
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
    FeedSubmission,
    LinkRun,
    Organisation,
    Person,
    PersonLink,
    SourceEvent,
    SourcePerson,
    UserAccount,
)

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"

# Person ids as the index makes them: P + 12 base32 characters.
ALICE = "PALICE0000001"
BOB = "PBOB000000001"
CAROL = "PCAROL0000001"
GUESSED = "PGUESS0000001"

ORGS = {
    "RZZ": "hospital_trust",
    "LA900": "council",
    "Y90001": "gp_practice",
    "Y90002": "gp_practice",
    "SDF": "foundation",
    "UNI01": "university",
}
USERS = {
    "gp1": (Role.GP, "Y90001"),
    "pnurse1": (Role.NURSE, "Y90001"),
    "gp2": (Role.GP, "Y90002"),
    "doc": (Role.CLINICIAN, "RZZ"),
    "nurse": (Role.NURSE, "RZZ"),
    "sw": (Role.SOCIAL_WORKER, "LA900"),
    "sw2": (Role.SOCIAL_WORKER, "LA900"),
    "po": (Role.PRIVACY_OFFICER, "SDF"),
    "admin": (Role.ADMINISTRATOR, "SDF"),
    "steward": (Role.DATA_STEWARD, "SDF"),
    "researcher": (Role.RESEARCHER, "UNI01"),
    "alice": (Role.CITIZEN, None),
}

# The council's feed names its workers as people write names; the loader keeps it in detail["allocated_worker"].
DISPLAY_NAMES = {"sw": "Ben Carter"}


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass
class World:
    db: Database
    actors: dict[str, Actor]
    events: dict[str, int] = field(default_factory=dict)
    clock_at: list[dt.datetime] = field(default_factory=lambda: [NOW])

    def gate(self) -> AccessGate:
        return AccessGate(self.db, clock=lambda: self.clock_at[0])

    def set_clock(self, when: dt.datetime) -> None:
        self.clock_at[0] = when

    def audit_rows(self) -> list[AuditEventRecord]:
        with self.db.session() as s:
            return list(s.scalars(select(AuditEventRecord).order_by(AuditEventRecord.id)))

    def audit_count(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(AuditEventRecord)) or 0


class _Builder:
    def __init__(self, s: Any) -> None:
        self.s = s
        self.submissions: dict[str, int] = {}
        self.events: dict[str, int] = {}

    def submission(self, org: str) -> int:
        if org not in self.submissions:
            sub = FeedSubmission(
                organisation_id=org,
                file_name=f"{org}.csv",
                content_sha256=org.ljust(64, "0"),
                size_bytes=1,
                format="test",
                status="loaded",
            )
            self.s.add(sub)
            self.s.flush()
            self.submissions[org] = sub.id
        return self.submissions[org]

    def source_person(self, person_id: str, org: str, source_id: str, **fields: Any) -> None:
        sp = SourcePerson(
            organisation_id=org,
            submission_id=self.submission(org),
            source_id=source_id,
            nhs_number_status="valid" if fields.get("nhs_number") else "missing",
            **fields,
        )
        self.s.add(sp)
        self.s.flush()
        self.s.add(PersonLink(source_person_id=sp.id, person_id=person_id, basis="deterministic", run_id=1))

    def event(
        self,
        name: str,
        org: str,
        person_source_id: str,
        kind: str,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        code: tuple[str, str] | None = None,
        status: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        event = SourceEvent(
            organisation_id=org,
            submission_id=self.submission(org),
            source_id=name,
            person_source_id=person_source_id,
            kind=kind,
            code_system=code[0] if code else None,
            code=code[1] if code else None,
            display=name,
            status=status,
            start_at=start,
            end_at=end,
            detail=detail or {},
        )
        self.s.add(event)
        self.s.flush()
        self.events[name] = event.id


def build_world(db: Database) -> World:
    """Alice: registered at Y90001, in hospital now, allocated to sw with an open care package; items of every
    sensitivity. Bob: every relationship has ended, except an open assessment allocated to sw2. Carol: known only to
    the trust, whose record names Y90001 as her practice (no practice feed). Bob's old id was merged into Bob."""
    with db.session() as s:
        for code, kind in ORGS.items():
            s.add(Organisation(id=code, name=f"Organisation {code}", kind=kind))
        s.flush()
        actors = {}
        for username, (role, org) in USERS.items():
            account = UserAccount(
                username=username,
                display_name=DISPLAY_NAMES.get(username, username.title()),
                role=role,
                organisation_id=org,
                password_hash="x",
            )
            s.add(account)
            s.flush()
            actors[username] = Actor(account.id, username, role, org)
        s.add(
            LinkRun(
                id=1,
                started_at=NOW,
                finished_at=NOW,
            )
        )
        for pid in (ALICE, BOB, CAROL):
            s.add(Person(id=pid, status="active"))
        s.add(Person(id="PBOBOLD000001", status="merged", merged_into=BOB))
        s.flush()
        b = _Builder(s)
        # Alice
        b.source_person(
            ALICE,
            "Y90001",
            "gp-a",
            nhs_number="9990000018",
            family_name="Smith",
            given_name="Alice",
            birth_date=dt.date(1950, 3, 1),
        )
        b.source_person(
            ALICE,
            "RZZ",
            "rzz-a",
            nhs_number="9990000018",
            family_name="SMITH",
            given_name="Alice",
            birth_date=dt.date(1950, 3, 1),
            registered_practice="Y90001",
        )
        b.source_person(
            ALICE, "LA900", "la-a", family_name="Smith", given_name="Alicia", birth_date=dt.date(1950, 3, 1)
        )
        b.event("a-reg", "Y90001", "gp-a", "registration", start=NOW - days(3000))
        b.event("a-hypertension", "Y90001", "gp-a", "condition", start=NOW - days(900), code=(SNOMED, "38341003"))
        b.event("a-depression", "Y90001", "gp-a", "condition", start=NOW - days(400), code=(ICD10, "F32.1"))
        b.event("a-chlamydia", "RZZ", "rzz-a", "condition", start=NOW - days(300), code=(ICD10, "A56.0"))
        b.event(
            "a-admission",
            "RZZ",
            "rzz-a",
            "encounter",
            start=NOW - days(2),
            status="in-progress",
            code=(SNOMED, "183452005"),
        )
        b.event(
            "a-safeguarding",
            "LA900",
            "la-a",
            "asc_request",
            start=NOW - days(60),
            end=NOW - days(59),
            code=(SNOMED, "397940009"),
        )
        b.event(
            "a-service",
            "LA900",
            "la-a",
            "asc_service",
            start=NOW - days(50),
            detail={"allocated_worker": "ben carter", "service_type": "Home care"},
        )
        b.event(
            "a-restricted",
            "RZZ",
            "rzz-a",
            "observation",
            start=NOW - days(10),
            code=(SNOMED, "271649006"),
            detail={"sealed": True},
        )
        b.event("a-sealed-by-alice", "Y90001", "gp-a", "condition", start=NOW - days(700), code=(SNOMED, "195967001"))
        # Bob
        b.source_person(
            BOB,
            "Y90002",
            "gp-b",
            nhs_number="9990000026",
            family_name="Jones",
            given_name="Bob",
            birth_date=dt.date(1940, 7, 9),
        )
        b.source_person(
            BOB,
            "RZZ",
            "rzz-b",
            nhs_number="9990000026",
            family_name="Jones",
            given_name="Bob",
            birth_date=dt.date(1940, 7, 9),
        )
        b.source_person(BOB, "LA900", "la-b", family_name="Jones", given_name="Robert", birth_date=dt.date(1940, 7, 9))
        b.event("b-reg", "Y90002", "gp-b", "registration", start=NOW - days(5000), end=NOW - days(30))
        b.event("b-admission", "RZZ", "rzz-b", "encounter", start=NOW - days(20), end=NOW - days(15), status="finished")
        b.event("b-cancelled", "RZZ", "rzz-b", "encounter", start=NOW - days(1), status="cancelled")
        b.event(
            "b-service",
            "LA900",
            "la-b",
            "asc_service",
            start=NOW - days(400),
            end=NOW - days(100),
            detail={"Allocated_Worker": "sw"},
        )
        b.event(
            "b-assessment", "LA900", "la-b", "asc_assessment", start=NOW - days(5), detail={"Allocated_Worker": "SW2"}
        )
        # Carol
        b.source_person(
            CAROL,
            "RZZ",
            "rzz-c",
            nhs_number="9990000034",
            family_name="Brown",
            given_name="Carol",
            birth_date=dt.date(1988, 1, 1),
            registered_practice="Y90001",
        )
        b.event(
            "c-outpatient", "RZZ", "rzz-c", "encounter", start=NOW - days(100), end=NOW - days(100), status="finished"
        )
        link_citizen(s, actors["alice"].user_id, ALICE, now=NOW)
        events = dict(b.events)
    return World(db=db, actors=actors, events=events)


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _open(world: World, username: str, person_id: str, purpose: Purpose) -> RelationshipKind | None:
    try:
        with world.gate().open_person(world.actors[username], person_id, purpose) as record:
            return record.basis.kind
    except AccessDenied:
        return None


MATRIX = [
    # GP-practice users: the practice's current registration, or the trust's record naming the practice.
    ("gp1", ALICE, Purpose.DIRECT_CARE, RelationshipKind.REGISTERED_GP),
    ("pnurse1", ALICE, Purpose.DIRECT_CARE, RelationshipKind.REGISTERED_GP),
    ("gp1", CAROL, Purpose.DIRECT_CARE, RelationshipKind.REGISTERED_GP),
    ("gp2", ALICE, Purpose.DIRECT_CARE, None),
    ("gp2", BOB, Purpose.DIRECT_CARE, None),  # deregistered 30 days ago
    # Trust clinicians and nurses: an open episode only.
    ("doc", ALICE, Purpose.DIRECT_CARE, RelationshipKind.OPEN_EPISODE),
    ("nurse", ALICE, Purpose.DIRECT_CARE, RelationshipKind.OPEN_EPISODE),
    ("doc", BOB, Purpose.DIRECT_CARE, None),  # finished, and a cancelled one
    ("doc", CAROL, Purpose.DIRECT_CARE, None),
    # Council social workers: allocated worker first, else an open care package.
    ("sw", ALICE, Purpose.DIRECT_CARE, RelationshipKind.ALLOCATED_WORKER),
    ("sw2", ALICE, Purpose.DIRECT_CARE, RelationshipKind.OPEN_CARE_PACKAGE),
    ("sw2", BOB, Purpose.DIRECT_CARE, RelationshipKind.ALLOCATED_WORKER),
    ("sw", BOB, Purpose.DIRECT_CARE, None),  # was allocated on a service that has ended
    # Roles with no direct-care access at all.
    ("po", ALICE, Purpose.DIRECT_CARE, None),
    ("admin", ALICE, Purpose.DIRECT_CARE, None),
    ("steward", ALICE, Purpose.DIRECT_CARE, None),
    ("researcher", ALICE, Purpose.DIRECT_CARE, None),
    # Secondary use is never served by this gate, whoever asks.
    ("gp1", ALICE, Purpose.RESEARCH, None),
    ("researcher", ALICE, Purpose.RESEARCH, None),
    ("doc", ALICE, Purpose.PLANNING, None),
    # Emergency purpose needs break glass even with a relationship.
    ("doc", ALICE, Purpose.EMERGENCY_CARE, None),
    # The citizen: their own record, for their own purpose, only.
    ("alice", ALICE, Purpose.OWN_RECORD, RelationshipKind.SELF),
    ("alice", ALICE, Purpose.DIRECT_CARE, None),
    ("alice", BOB, Purpose.OWN_RECORD, None),
    ("gp1", ALICE, Purpose.OWN_RECORD, None),
]


def test_each_role_and_relationship_gets_the_right_answer_and_one_audit_event(world: World) -> None:
    for case, (username, person_id, purpose, expected) in enumerate(MATRIX):
        where = f"case {case}: {username} opening {person_id} for {purpose.value}"
        assert _open(world, username, person_id, purpose) == expected, where
        event = world.audit_rows()[-1]
        assert world.audit_count() == case + 1, where  # exactly one event per decision
        actor = world.actors[username]
        assert (event.user_id, event.username, event.role, event.organisation_id) == (
            actor.user_id,
            username,
            actor.role.value,
            actor.organisation_id,
        ), where
        assert (event.patient_id, event.action, event.break_glass) == (person_id, Action.READ, False), where
        assert event.outcome == (Outcome.SUCCESS if expected else Outcome.MINOR_FAILURE), where
        assert event.purpose == purpose.purpose_of_use, where
        assert event.detail["decision"] == ("allowed" if expected else "denied"), where
        assert event.detail.get("basis") == (expected.value if expected else None), where


def test_relationships_follow_the_feeds_over_time(world: World) -> None:
    """The same professional gains and loses access as the feeds' dates say, with nothing to revoke."""
    world.set_clock(NOW - days(35))  # Bob was still registered with gp2, not yet in hospital
    assert _open(world, "gp2", BOB, Purpose.DIRECT_CARE) == RelationshipKind.REGISTERED_GP
    assert _open(world, "doc", BOB, Purpose.DIRECT_CARE) is None
    world.set_clock(NOW - days(17))
    assert _open(world, "doc", BOB, Purpose.DIRECT_CARE) == RelationshipKind.OPEN_EPISODE
    world.set_clock(NOW - days(200))
    assert _open(world, "sw", BOB, Purpose.DIRECT_CARE) == RelationshipKind.ALLOCATED_WORKER


def test_a_merged_person_id_opens_the_surviving_person_and_audits_both_ids(world: World) -> None:
    with world.gate().open_person(world.actors["sw2"], "PBOBOLD000001") as record:
        assert record.person_id == BOB
    [event] = world.audit_rows()
    assert event.patient_id == BOB
    assert event.detail["requested_person_id"] == "PBOBOLD000001"


def test_the_audit_purpose_code_is_the_fhir_purpose_of_use(world: World) -> None:
    _open(world, "alice", ALICE, Purpose.OWN_RECORD)
    _open(world, "gp1", ALICE, Purpose.DIRECT_CARE)
    assert [e.purpose for e in world.audit_rows()] == [PurposeOfUse.PATRQT, PurposeOfUse.TREAT]
