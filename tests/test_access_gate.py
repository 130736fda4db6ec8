"""The gate's guarantees: guessed ids learn nothing, every decision is audited in its transaction, claimed relationships
and break glass are time-limited and alerted, the privacy officer's queue, search and write-back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from socialdata.access import (
    AccessDenied,
    AlertStatus,
    GrantKind,
    PersonQuery,
    Purpose,
    RelationshipKind,
    WriteKind,
    link_citizen,
)
from socialdata.access import gate as gate_module
from socialdata.audit import Action, Outcome, PurposeOfUse
from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import AccessAlert, AccessGrant, SourceEvent
from test_access_world import ALICE, BOB, CAROL, GUESSED, NOW, World, build_world, days


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _denial(world: World, username: str, person_id: str, purpose: Purpose = Purpose.DIRECT_CARE) -> str:
    with pytest.raises(AccessDenied) as denied, world.gate().open_person(world.actors[username], person_id, purpose):
        pass
    return str(denied.value)


# -- guessed ids -------------------------------------------------------------------------------------------------


def test_a_guessed_person_id_gets_the_same_answer_as_a_person_without_relationship_and_is_audited(
    world: World,
) -> None:
    unrelated = _denial(world, "gp2", ALICE)
    guessed = _denial(world, "gp2", GUESSED)
    junk = _denial(world, "gp2", "x" * 500)
    assert unrelated == guessed == junk
    first, second, third = world.audit_rows()
    assert (first.patient_id, second.patient_id) == (ALICE, GUESSED)
    assert len(third.patient_id or "") == 64  # kept, cut to the column's width
    assert {r.outcome for r in (first, second, third)} == {Outcome.MINOR_FAILURE}
    assert second.detail["reason"] == "unknown person id"  # the log tells the privacy officer; the user is not told


def test_claims_and_break_glass_on_a_guessed_id_are_refused_and_audited(world: World) -> None:
    gate, gp2 = world.gate(), world.actors["gp2"]
    with pytest.raises(AccessDenied):
        gate.claim_relationship(gp2, GUESSED, "I am seeing this patient today")
    with pytest.raises(AccessDenied):
        gate.break_glass(gp2, GUESSED, "Unconscious patient in the surgery")
    assert [r.outcome for r in world.audit_rows()] == [Outcome.MINOR_FAILURE] * 2
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0


# -- audit in the same transaction -------------------------------------------------------------------------------


def test_a_read_that_fails_leaves_no_audit_event(world: World) -> None:
    with pytest.raises(RuntimeError), world.gate().open_person(world.actors["gp1"], ALICE) as record:
        record.events()
        raise RuntimeError("the page could not be built")
    assert world.audit_count() == 0


def test_a_write_and_its_audit_event_commit_or_roll_back_together(world: World) -> None:
    with world.gate().open_person(world.actors["gp1"], ALICE) as record:
        auth = record.authorise_write(WriteKind.NOTE)
        assert (auth.author, auth.basis.kind) == (world.actors["gp1"], RelationshipKind.REGISTERED_GP)
        record.session.add(
            SourceEvent(
                organisation_id="Y90001", submission_id=1, source_id="note-1", person_source_id="gp-a", kind="note"
            )
        )
        record.session.flush()
        auth.written(4242)
    rows = world.audit_rows()
    assert [(r.action, r.entity_type, r.entity_id) for r in rows] == [
        (Action.READ, "Patient", ALICE),
        (Action.CREATE, "note", "4242"),
    ]
    with pytest.raises(RuntimeError), world.gate().open_person(world.actors["gp1"], ALICE) as record:
        record.authorise_write(WriteKind.CARE_PLAN_ENTRY)
        record.session.add(
            SourceEvent(
                organisation_id="Y90001", submission_id=1, source_id="note-2", person_source_id="gp-a", kind="note"
            )
        )
        raise RuntimeError("the insert's caller failed")
    assert world.audit_count() == 2
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SourceEvent).where(SourceEvent.kind == "note")) == 1


def test_a_citizen_may_not_write_to_their_record_and_the_refusal_is_audited(world: World) -> None:
    with pytest.raises(AccessDenied), world.gate().open_person(world.actors["alice"], ALICE, Purpose.OWN_RECORD) as r:
        r.authorise_write(WriteKind.NOTE)
    [row] = world.audit_rows()
    assert (row.action, row.outcome) == (Action.CREATE, Outcome.MINOR_FAILURE)


def test_when_the_audit_event_cannot_be_written_the_read_is_not_served(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError("audit log unavailable")

    monkeypatch.setattr(gate_module, "append_events", broken)

    def read_page() -> int:
        with world.gate().open_person(world.actors["gp1"], ALICE) as record:
            return len(record.events().visible)

    with pytest.raises(OSError):
        read_page()
    assert world.audit_count() == 0


def test_every_gate_operation_writes_exactly_one_event_per_decision(world: World) -> None:
    gate = world.gate()
    steps = [
        lambda: gate.search(world.actors["doc"], PersonQuery.parse(nhs_number="999 000 0018")),
        lambda: gate.claim_relationship(world.actors["gp2"], ALICE, "New temporary resident seen today"),
        lambda: gate.break_glass(world.actors["doc"], BOB, "Collapsed in A&E, unable to give history"),
        lambda: gate.list_alerts(world.actors["po"]),
    ]
    for done, step in enumerate(steps, start=1):
        step()
        assert world.audit_count() == done


# -- self-claimed relationships and break glass ------------------------------------------------------------------


def test_a_self_claimed_relationship_gives_time_limited_access_and_raises_an_alert(world: World) -> None:
    gate, gp2 = world.gate(), world.actors["gp2"]
    basis = gate.claim_relationship(gp2, ALICE, "Temporary resident registering today", valid_for=days(2))
    assert basis.kind == RelationshipKind.SELF_CLAIMED
    assert basis.expires_at == NOW + days(2)
    with gate.open_person(gp2, ALICE) as record:
        assert record.basis.kind == RelationshipKind.SELF_CLAIMED
    [alert] = gate.list_alerts(world.actors["po"])
    assert (alert.kind, alert.username, alert.person_id, alert.status) == (
        GrantKind.SELF_CLAIMED,
        "gp2",
        ALICE,
        AlertStatus.OPEN,
    )
    world.set_clock(NOW + days(2))
    assert _denial(world, "gp2", ALICE)


def test_break_glass_grants_four_hours_flagged_in_the_audit_and_is_refused_when_expired(world: World) -> None:
    gate, gp2 = world.gate(), world.actors["gp2"]
    basis = gate.break_glass(gp2, BOB, "Found unresponsive at home visit, need medication history")
    assert basis.kind == RelationshipKind.BREAK_GLASS
    assert basis.expires_at == NOW + dt.timedelta(hours=4)
    world.set_clock(NOW + dt.timedelta(hours=3, minutes=59))
    with gate.open_person(gp2, BOB, Purpose.EMERGENCY_CARE) as record:
        assert record.basis.kind == RelationshipKind.BREAK_GLASS
    with gate.open_person(gp2, BOB, Purpose.DIRECT_CARE) as record:
        assert record.basis.kind == RelationshipKind.BREAK_GLASS  # break glass is the only footing gp2 has
    granted, emergency, direct = world.audit_rows()
    assert (granted.action, granted.break_glass, granted.purpose) == (Action.CREATE, True, PurposeOfUse.ETREAT)
    assert (emergency.break_glass, emergency.purpose) == (True, PurposeOfUse.ETREAT)
    assert (direct.break_glass, direct.purpose) == (True, PurposeOfUse.ETREAT)
    world.set_clock(NOW + dt.timedelta(hours=4))
    with pytest.raises(AccessDenied), gate.open_person(gp2, BOB, Purpose.EMERGENCY_CARE):
        pass
    assert world.audit_rows()[-1].outcome == Outcome.MINOR_FAILURE


def test_a_grant_is_the_actors_own_and_only_for_that_person(world: World) -> None:
    gate = world.gate()
    gate.break_glass(world.actors["gp2"], BOB, "Found unresponsive at home visit")
    assert _denial(world, "gp1", BOB)  # another GP
    assert _denial(world, "gp2", CAROL)  # another person


def test_roles_outside_direct_care_may_not_claim_or_break_glass(world: World) -> None:
    gate = world.gate()
    outsiders = ["admin", "researcher", "po", "steward", "alice"]
    for username in outsiders:
        with pytest.raises(AccessDenied):
            gate.break_glass(world.actors[username], ALICE, "I want to see the record please")
        with pytest.raises(AccessDenied):
            gate.claim_relationship(world.actors[username], ALICE, "I want to see the record please")
    assert [(r.username, r.outcome) for r in world.audit_rows()] == [
        (username, Outcome.MINOR_FAILURE) for username in outsiders for _ in range(2)
    ]
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0


BAD_BREAK_GLASS = [
    ("", dt.timedelta(hours=1), "reason"),
    ("   urgent  ", dt.timedelta(hours=1), "reason"),
    ("x" * 2001, dt.timedelta(hours=1), "reason"),
    ("Collapsed in clinic waiting room", dt.timedelta(hours=25), "valid_for"),
    ("Collapsed in clinic waiting room", dt.timedelta(0), "valid_for"),
]


def test_a_break_glass_without_a_proper_reason_or_limit_is_refused_and_nothing_written(world: World) -> None:
    for reason, valid_for, field in BAD_BREAK_GLASS:
        with pytest.raises(UserError) as bad:
            world.gate().break_glass(world.actors["doc"], ALICE, reason, valid_for=valid_for)
        assert bad.value.where == field
    with pytest.raises(UserError) as too_long:
        world.gate().claim_relationship(world.actors["gp2"], ALICE, "Seeing them today", valid_for=days(91))
    assert too_long.value.where == "valid_for"
    assert world.audit_count() == 0
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0


def test_a_reason_with_a_nul_character_is_refused_clearly_and_nothing_written(world: World) -> None:
    gate = world.gate()
    attempts = (
        lambda: gate.break_glass(world.actors["doc"], BOB, "Collapsed in A&E\x00, unable to give history"),
        lambda: gate.claim_relationship(world.actors["gp2"], ALICE, "\x00Temporary resident registering today"),
    )
    for attempt in attempts:
        with pytest.raises(UserError) as bad:
            attempt()
        assert bad.value.where == "reason"
        assert "NUL character" in str(bad.value)
    assert world.audit_count() == 0
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0
        assert s.scalar(select(func.count()).select_from(AccessAlert)) == 0


# -- the privacy officer's queue ---------------------------------------------------------------------------------


def test_the_privacy_officer_reviews_alerts_and_a_referral_ends_the_access(world: World) -> None:
    gate, po = world.gate(), world.actors["po"]
    gate.break_glass(world.actors["doc"], BOB, "Collapsed in A&E, unable to give history")
    gate.claim_relationship(world.actors["gp2"], ALICE, "Temporary resident registering today")
    glass, claim = gate.list_alerts(po)
    assert (glass.kind, claim.kind) == (GrantKind.BREAK_GLASS, GrantKind.SELF_CLAIMED)
    justified = gate.review_alert(po, glass.alert_id, AlertStatus.JUSTIFIED, "Confirmed with the A&E consultant")
    assert (justified.status, justified.reviewer) == (AlertStatus.JUSTIFIED, "po")
    referred = gate.review_alert(po, claim.alert_id, AlertStatus.REFERRED, "No registration followed; refer")
    assert referred.revoked_at == NOW
    assert gate.list_alerts(po) == []
    assert {a.alert_id for a in gate.list_alerts(po, status=None)} == {glass.alert_id, claim.alert_id}
    assert _denial(world, "gp2", ALICE)  # the referred grant no longer opens the record
    with gate.open_person(world.actors["doc"], BOB, Purpose.EMERGENCY_CARE):
        pass  # the justified one still runs until it expires
    review = [r for r in world.audit_rows() if r.entity_type == "AccessAlert"]
    assert [(r.action, r.patient_id, r.detail["outcome"]) for r in review] == [
        (Action.UPDATE, BOB, "justified"),
        (Action.UPDATE, ALICE, "referred"),
    ]


def test_reviews_need_an_open_alert_and_a_note_for_a_referral(world: World) -> None:
    gate, po = world.gate(), world.actors["po"]
    gate.break_glass(world.actors["doc"], BOB, "Collapsed in A&E, unable to give history")
    [alert] = gate.list_alerts(po)
    with pytest.raises(UserError) as no_note:
        gate.review_alert(po, alert.alert_id, AlertStatus.REFERRED, "  ")
    assert no_note.value.where == "note"
    with pytest.raises(UserError) as missing:
        gate.review_alert(po, 999, AlertStatus.JUSTIFIED, None)
    assert missing.value.where == "alert"
    gate.review_alert(po, alert.alert_id, AlertStatus.JUSTIFIED, None)
    with pytest.raises(UserError):
        gate.review_alert(po, alert.alert_id, AlertStatus.REFERRED, "Changed my mind about this one")
    with world.db.session() as s:
        assert s.scalars(select(AccessAlert.status)).all() == [AlertStatus.JUSTIFIED]


def test_the_queue_is_refused_to_every_other_role_and_the_refusal_audited(world: World) -> None:
    gate = world.gate()
    gate.break_glass(world.actors["doc"], BOB, "Collapsed in A&E, unable to give history")
    [alert] = gate.list_alerts(world.actors["po"])
    for username in ("gp1", "doc", "admin", "steward", "alice"):
        with pytest.raises(AccessDenied):
            gate.list_alerts(world.actors[username])
        with pytest.raises(AccessDenied):
            gate.review_alert(world.actors[username], alert.alert_id, AlertStatus.JUSTIFIED, "looks fine to me")
        refusals = world.audit_rows()[-2:]
        assert [(r.username, r.outcome) for r in refusals] == [(username, Outcome.MINOR_FAILURE)] * 2
    with world.db.session() as s:
        assert s.scalars(select(AccessAlert.status)).all() == [AlertStatus.OPEN]


# -- search ------------------------------------------------------------------------------------------------------


def test_search_by_nhs_number_or_name_and_birth_date_gives_demographics_and_is_audited(world: World) -> None:
    gate, doc = world.gate(), world.actors["doc"]
    [by_number] = gate.search(doc, PersonQuery.parse(nhs_number="999 000 0018"))
    assert (by_number.person_id, by_number.family_name, by_number.birth_date) == (ALICE, "Smith", dt.date(1950, 3, 1))
    [by_name] = gate.search(doc, PersonQuery.parse(family_name="jones", birth_date="1940-07-09"))
    assert by_name.person_id == BOB
    assert gate.search(doc, PersonQuery.parse(family_name="Jones", given_name="Al", birth_date="09/07/1940")) == []
    rows = world.audit_rows()
    assert [(r.action, r.patient_id, r.detail["matches"]) for r in rows] == [
        (Action.EXECUTE, ALICE, 1),
        (Action.EXECUTE, BOB, 1),
        (Action.EXECUTE, None, 0),
    ]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"nhs_number": "9990000019"}, "nhs_number"),
        ({"nhs_number": "12345"}, "nhs_number"),
        ({"family_name": "Smith"}, "birth_date"),
        ({"family_name": "Smith", "birth_date": "31/02/1950"}, "birth_date"),
        ({"birth_date": "1950-03-01"}, "family_name"),
        ({}, "family_name"),
    ],
)
def test_a_search_a_person_cannot_mean_is_refused_with_the_field_named(fields: dict[str, str], where: str) -> None:
    with pytest.raises(UserError) as bad:
        PersonQuery.parse(**fields)
    assert bad.value.where == where


def test_search_is_refused_outside_direct_care_and_audited(world: World) -> None:
    query = PersonQuery.parse(nhs_number="9990000018")
    refused = [("alice", Purpose.DIRECT_CARE), ("researcher", Purpose.DIRECT_CARE), ("doc", Purpose.RESEARCH)]
    for username, purpose in refused:
        with pytest.raises(AccessDenied):
            world.gate().search(world.actors[username], query, purpose)
    rows = world.audit_rows()
    assert [(r.username, r.outcome, r.detail["matches"]) for r in rows] == [
        (username, Outcome.MINOR_FAILURE, 0) for username, _ in refused
    ]


def test_oversight_reads_run_only_for_the_roles_named_and_are_audited(world: World) -> None:
    gate = world.gate()
    stewards = frozenset({Role.DATA_STEWARD, Role.PRIVACY_OFFICER})
    ran: list[str] = []

    def read(_session: object) -> list[str]:
        ran.append("read")
        return ["row"]

    assert gate.oversee(world.actors["steward"], read, entity_type="ReviewItem", entity_id="7", roles=stewards) == [
        "row"
    ]
    with pytest.raises(AccessDenied):
        gate.oversee(world.actors["researcher"], read, entity_type="ReviewItem", entity_id="7", roles=stewards)
    with pytest.raises(AccessDenied):
        gate.oversee(world.actors["steward"], read, entity_type="AuditEvent", entity_id="search")  # officers only
    assert ran == ["read"]
    assert [(r.username, r.entity_type, r.outcome, r.purpose) for r in world.audit_rows()] == [
        ("steward", "ReviewItem", Outcome.SUCCESS, PurposeOfUse.HOPERAT),
        ("researcher", "ReviewItem", Outcome.MINOR_FAILURE, PurposeOfUse.HOPERAT),
        ("steward", "AuditEvent", Outcome.MINOR_FAILURE, PurposeOfUse.HOPERAT),
    ]


def test_only_a_citizen_account_is_linked_and_only_to_a_known_person(world: World) -> None:
    with pytest.raises(UserError) as professional, world.db.session() as s:
        link_citizen(s, world.actors["gp1"].user_id, ALICE, now=NOW)
    assert professional.value.where == "user"
    with pytest.raises(UserError) as unknown, world.db.session() as s:
        link_citizen(s, world.actors["alice"].user_id, GUESSED, now=NOW)
    assert unknown.value.where == "person"
    with world.gate().open_person(world.actors["alice"], ALICE, Purpose.OWN_RECORD) as record:
        assert record.basis.kind == RelationshipKind.SELF  # the earlier link stands
    with world.db.session() as s:
        link_citizen(s, world.actors["alice"].user_id, BOB, now=NOW)  # a corrected verification replaces it
    assert _denial(world, "alice", ALICE, Purpose.OWN_RECORD)
