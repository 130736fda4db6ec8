"""The citizen portal's service over the gate's small city: Alice's own record (less safeguarding, third-party and
withheld items), who looked at it with proofs, her choices taking effect at the very next access, corrections through
the owning partner's queue, the download of everything — and every attempt at another person's data refused alike
and audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from socialdata.access import SOURCE_EVENT, AccessDenied, AccessGate, AlertStatus, ItemRef, Purpose
from socialdata.audit import issue_tree_head, sequence_pending
from socialdata.audit.proof_check import verify_inclusion
from socialdata.citizen import CitizenPortal, CorrectionQueue, Withholding, fhir_bundle
from socialdata.consent import has_national_opt_out
from socialdata.errors import UserError
from socialdata.record import RECORD_ENTRY, CareRecord
from socialdata.store.models import AuditEventRecord, CorrectionRequest, CorrectionStatus, EntryKind, SourceEvent
from test_access_world import ALICE, BOB, GUESSED, World, build_world


@pytest.fixture
def world(db: Any) -> World:
    return build_world(db)


def _portal(world: World) -> CitizenPortal:
    return CitizenPortal(world.db, clock=lambda: world.clock_at[0])


def _titles(world: World) -> set[str]:
    own = _portal(world).record(world.actors["alice"], ALICE)
    return {i.item.title for i in own.timeline}


def _ref(world: World, name: str) -> ItemRef:
    return ItemRef(SOURCE_EVENT, world.events[name])


def _denials(world: World, patient_id: str) -> list[AuditEventRecord]:
    return [e for e in world.audit_rows() if e.patient_id == patient_id and e.detail["decision"] == "denied"]


def test_alice_sees_her_record_less_safeguarding_and_third_party_items(world: World) -> None:
    with world.db.session() as s:
        event = s.get(SourceEvent, world.events["a-depression"])
        assert event is not None
        event.detail = {"third_party": True}
    titles = _titles(world)
    assert {"a-reg", "a-hypertension", "a-chlamydia", "a-admission", "a-service", "a-restricted"} <= titles
    assert "a-safeguarding" not in titles  # the gate keeps safeguarding from the person's own view
    assert "a-depression" not in titles  # the source flagged it as about someone else
    assert "a-reg" not in _portal(world).record(world.actors["alice"], ALICE).person.name


def test_a_professional_withholds_an_item_with_a_reason_audited_until_released(world: World) -> None:
    withholding = Withholding(world.db, clock=lambda: world.clock_at[0])
    ref = _ref(world, "a-hypertension")
    with pytest.raises(UserError, match="reason_code"):
        withholding.withhold(world.actors["gp1"], ALICE, ref, "because", "Mentions the neighbour's illness")
    withholding.withhold(world.actors["gp1"], ALICE, ref, "third_party", "Mentions the neighbour's illness")
    assert "a-hypertension" not in _titles(world)
    view = withholding.item(world.actors["gp1"], ALICE, ref)
    assert view.withheld is not None and view.withheld.reason == "Mentions the neighbour's illness"
    [event] = [e for e in world.audit_rows() if e.entity_type == "WithheldItem"]
    assert (event.username, event.patient_id, event.detail["reason_code"]) == ("gp1", ALICE, "third_party")
    # The citizen cannot withhold or release anything; another practice's GP has no relationship.
    for who in ("alice", "gp2"):
        with pytest.raises(AccessDenied):
            withholding.release(world.actors[who], ALICE, ref)
    withholding.release(world.actors["gp1"], ALICE, ref)
    assert "a-hypertension" in _titles(world)


def test_an_objection_hides_that_partners_items_from_other_professionals_at_the_next_open(world: World) -> None:
    care = CareRecord(world.db, clock=lambda: world.clock_at[0])
    before = care.open(world.actors["gp1"], ALICE)
    assert "a-admission" in {i.title for i in before.timeline}
    _portal(world).object_to(world.actors["alice"], ALICE, "RZZ", "I would rather keep hospital matters apart")
    after = care.open(world.actors["gp1"], ALICE)
    assert not [i for i in after.timeline if i.provenance.organisation_id == "RZZ"]
    assert after.withheld > before.withheld
    # The trust's own staff still see its records, and so does Alice.
    assert "a-admission" in {i.title for i in care.open(world.actors["doc"], ALICE).timeline}
    assert "a-admission" in _titles(world)
    [objection] = _portal(world).choices(world.actors["alice"], ALICE).objections
    _portal(world).withdraw_objection(world.actors["alice"], ALICE, objection.id)
    assert "a-admission" in {i.title for i in care.open(world.actors["gp1"], ALICE).timeline}
    audited = [(e.entity_type, e.action) for e in world.audit_rows() if e.entity_type == "SharingObjection"]
    assert audited == [("SharingObjection", "C"), ("SharingObjection", "U")]


def test_objections_name_only_partners_holding_records_and_only_her_own(world: World) -> None:
    portal = _portal(world)
    with pytest.raises(UserError, match="partners that hold records"):
        portal.object_to(world.actors["alice"], ALICE, "UNI01")
    portal.object_to(world.actors["alice"], ALICE, "LA900")
    [mine] = portal.choices(world.actors["alice"], ALICE).objections
    with pytest.raises(UserError, match="no objection"):
        portal.withdraw_objection(world.actors["alice"], ALICE, mine.id + 1000)


def test_the_opt_out_is_what_the_extract_builder_reads_next(world: World) -> None:
    portal = _portal(world)
    with world.db.session() as s:
        assert not has_national_opt_out(s, ALICE)
    portal.set_opt_out(world.actors["alice"], ALICE, True)
    with world.db.session() as s:
        assert has_national_opt_out(s, ALICE)
    assert portal.choices(world.actors["alice"], ALICE).opted_out
    portal.set_research_contact(world.actors["alice"], ALICE, True)
    assert portal.choices(world.actors["alice"], ALICE).research_contact
    [event] = [e for e in world.audit_rows() if e.entity_type == "NationalOptOut"]
    assert (event.username, event.patient_id, event.detail["opted_out"]) == ("alice", ALICE, True)


def test_a_forged_opt_out_for_someone_else_is_refused_audited_and_changes_nothing(world: World) -> None:
    portal = _portal(world)
    for target in (BOB, GUESSED):
        with pytest.raises(AccessDenied) as refused:
            portal.set_opt_out(world.actors["alice"], target, True)
        assert "not available" not in refused.value.message
        assert len(_denials(world, target)) == 1
    with world.db.session() as s:
        assert not has_national_opt_out(s, BOB)


@pytest.mark.parametrize("what", ["record", "access_log", "export", "data_uses", "choices"])
def test_another_persons_data_is_refused_alike_whether_or_not_they_exist(world: World, what: str) -> None:
    portal = _portal(world)
    messages = []
    for target in (BOB, GUESSED):
        with pytest.raises(AccessDenied) as refused:
            getattr(portal, what)(world.actors["alice"], target)
        messages.append(refused.value.message)
        [denial] = _denials(world, target)
        assert denial.username == "alice" and denial.purpose == "PATRQT"
    assert messages[0] == messages[1]
    # A professional may not use the person's own-record door either.
    with pytest.raises(AccessDenied):
        getattr(portal, what)(world.actors["gp1"], ALICE)


def test_who_looked_shows_names_roles_reasons_and_break_glass_with_its_review(world: World) -> None:
    gate = AccessGate(world.db, clock=lambda: world.clock_at[0])
    with gate.open_person(world.actors["gp1"], ALICE):
        pass
    gate.break_glass(world.actors["gp2"], ALICE, "Collapsed in our waiting room; needs her medicines")
    with gate.open_person(world.actors["gp2"], ALICE, Purpose.DIRECT_CARE):
        pass
    [alert] = gate.list_alerts(world.actors["po"])
    gate.review_alert(world.actors["po"], alert.alert_id, AlertStatus.JUSTIFIED, "Confirmed with the practice manager")
    entries = _portal(world).access_log(world.actors["alice"], ALICE)
    gp1 = next(e for e in entries if e.who == "Gp1")
    assert (gp1.role, gp1.organisation, gp1.what) == ("GP", "Organisation Y90001", "Opened your record")
    assert gp1.basis == "You are registered at their GP practice" and not gp1.break_glass
    glass = [e for e in entries if e.break_glass]
    assert {e.what for e in glass} >= {"Broke glass: opened your record in an emergency", "Opened your record"}
    for entry in glass:
        assert entry.grant_reason == "Collapsed in our waiting room; needs her medicines"
        assert entry.review == "Reviewed by the privacy officer: justified"
    review = next(e for e in entries if e.what.startswith("Reviewed emergency"))
    assert review.role == "Privacy officer"
    assert entries == sorted(entries, key=lambda e: e.event_id, reverse=True)


def test_each_access_has_an_inclusion_proof_that_checks_against_the_signed_head(world: World) -> None:
    portal = _portal(world)
    with AccessGate(world.db).open_person(world.actors["gp1"], ALICE):
        pass
    opened = max(e.id for e in world.audit_rows() if e.username == "gp1")
    pending = portal.proof(world.actors["alice"], ALICE, opened)
    assert not pending.ready and pending.leaf_index is None
    issue_tree_head(world.db)
    proof = portal.proof(world.actors["alice"], ALICE, opened)
    assert proof.ready and proof.checked_here and proof.leaf_index is not None and proof.tree_size is not None
    assert '"username":"gp1"' in proof.canonical_json
    path = [bytes.fromhex(h) for h in proof.audit_path]
    assert verify_inclusion(
        proof.leaf_index, proof.tree_size, bytes.fromhex(proof.leaf_hash), path, bytes.fromhex(proof.root_hash or "")
    )
    # An event about Bob is refused by its id, audited, exactly like one that does not exist.
    with AccessGate(world.db).open_person(world.actors["sw2"], BOB):
        pass
    sequence_pending(world.db)
    bobs = max(e.id for e in world.audit_rows() if e.patient_id == BOB)
    for event_id in (bobs, 10**9):
        with pytest.raises(AccessDenied, match="not available"):
            portal.proof(world.actors["alice"], ALICE, event_id)
    assert len([e for e in world.audit_rows() if e.entity_type == "AuditProof" and e.outcome != 0]) == 2


def test_a_correction_goes_to_the_owning_partners_queue_and_alice_sees_the_outcome(world: World) -> None:
    portal = _portal(world)
    queue = CorrectionQueue(world.db, clock=lambda: world.clock_at[0])
    ref = _ref(world, "a-hypertension")
    statement = "<b>I never had</b> high blood pressure; the reading was taken after I ran for the bus."
    request_id = portal.request_correction(world.actors["alice"], ALICE, ref, statement)
    [waiting] = queue.requests(world.actors["gp1"])
    assert (waiting.id, waiting.statement, waiting.organisation_id) == (request_id, statement, "Y90001")
    assert queue.requests(world.actors["gp2"]) == []  # another practice's queue
    with pytest.raises(UserError, match="not in your organisation's queue"):
        queue.decide(world.actors["doc"], request_id, accept=False, reason="Not ours to decide at all")
    with pytest.raises(AccessDenied):
        queue.requests(world.actors["researcher"])
    with pytest.raises(UserError, match="reason"):
        queue.decide(world.actors["gp1"], request_id, accept=False, reason="no")
    queue.decide(world.actors["gp1"], request_id, accept=False, reason="This is the GP's clinical opinion; kept.")
    with pytest.raises(UserError, match="already decided"):
        queue.decide(world.actors["gp1"], request_id, accept=True, reason="Changed my mind about this")
    own = _portal(world).record(world.actors["alice"], ALICE).find(ref)
    assert own is not None
    [outcome] = own.corrections
    assert outcome.status == CorrectionStatus.DECLINED and outcome.statement == statement
    assert outcome.decision_reason == "This is the GP's clinical opinion; kept." and outcome.decided_by == "Gp1"
    # The item itself is not rewritten; professionals see the person's statement with it.
    assert own.item.title == "a-hypertension"
    view = Withholding(world.db).item(world.actors["gp1"], ALICE, ref)
    assert [c.statement for c in view.corrections] == [statement]
    decided = [e for e in world.audit_rows() if e.entity_type == "CorrectionRequest" and e.action == "U"]
    assert [(e.username, e.patient_id) for e in decided] == [("gp1", ALICE)]


def test_corrections_refuse_oversized_text_and_items_not_in_her_view(world: World) -> None:
    portal = _portal(world)
    with pytest.raises(UserError, match="under 2,000 characters"):
        portal.request_correction(world.actors["alice"], ALICE, _ref(world, "a-reg"), "x" * 2001)
    with pytest.raises(UserError, match="at least 10"):
        portal.request_correction(world.actors["alice"], ALICE, _ref(world, "a-reg"), "wrong")
    for ref in (_ref(world, "a-safeguarding"), _ref(world, "b-admission"), ItemRef(SOURCE_EVENT, 10**9)):
        with pytest.raises(AccessDenied, match="not available"):
            portal.request_correction(world.actors["alice"], ALICE, ref, "This is not right at all, please fix")
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_the_download_holds_everything_about_her_and_nothing_about_anyone_else(world: World) -> None:
    portal = _portal(world)
    with AccessGate(world.db).open_person(world.actors["gp1"], ALICE):
        pass
    portal.request_correction(world.actors["alice"], ALICE, _ref(world, "a-reg"), "The date I joined is wrong")
    export = portal.export(world.actors["alice"], ALICE)
    bundle = fhir_bundle(export)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types[0] == "Patient" and bundle["entry"][0]["resource"]["id"] == ALICE
    assert {"Condition", "Encounter", "Observation", "AuditEvent", "Consent", "Task"} <= set(types)
    assert len([e for e in bundle["entry"] if e["resource"].get("subject") or e["resource"].get("for")]) >= len(
        export.record.timeline
    )
    text = repr(bundle)
    assert "9990000026" not in text and "b-admission" not in text and "a-safeguarding" not in text
    [audited] = [e for e in world.audit_rows() if e.entity_type == "SubjectAccessExport"]
    assert (audited.username, audited.patient_id, audited.outcome) == ("alice", ALICE, 0)


def test_a_professionals_note_can_be_withheld_from_the_person_too(world: World) -> None:
    note = "Daughter says she fears her father; do not share with him."
    entry_id = CareRecord(world.db).add_entry(world.actors["gp1"], ALICE, EntryKind.NOTE, note)
    assert note in _titles(world)
    ref = ItemRef(RECORD_ENTRY, entry_id)
    Withholding(world.db).withhold(world.actors["gp1"], ALICE, ref, "serious_harm", "Could put the daughter at risk")
    assert note not in _titles(world)
    # A professional still sees it on the shared record.
    assert note in {i.title for i in CareRecord(world.db).open(world.actors["doc"], ALICE).timeline}
