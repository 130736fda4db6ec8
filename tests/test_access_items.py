"""What a person's record shows to whom: objections to sharing, sensitive categories, sealed items, items by id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from socialdata.access import (
    SOURCE_EVENT,
    AccessDenied,
    ItemFacts,
    ItemRef,
    Purpose,
    Sensitivity,
    categorise,
)
from socialdata.audit import Outcome
from socialdata.consent import (
    has_national_opt_out,
    record_objection,
    seal_item,
    set_national_opt_out,
    withdraw_objection,
)
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import SharingObjection
from test_access_world import ALICE, BOB, NOW, World, build_world


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


EVERY_ITEM = {
    "a-reg",
    "a-hypertension",
    "a-depression",
    "a-chlamydia",
    "a-admission",
    "a-safeguarding",
    "a-service",
    "a-restricted",
    "a-sealed-by-alice",
}


def _seen(world: World, username: str, purpose: Purpose = Purpose.DIRECT_CARE) -> tuple[set[str], int]:
    names = {v: k for k, v in world.events.items()}
    with world.gate().open_person(world.actors[username], ALICE, purpose) as record:
        shown = record.events()
    return {names[e.id] for e in shown.visible}, shown.withheld


def _seal_alices_item(world: World) -> None:
    with world.db.session() as s:
        ref = ItemRef(SOURCE_EVENT, world.events["a-sealed-by-alice"])
        seal_item(s, ALICE, ref, sealed_by="alice", now=NOW, reason="private")


# Clinicians and GPs see sexual health; nobody but Alice sees sealed items; Alice does not see safeguarding.
HIDDEN_FROM = [
    ("doc", Purpose.DIRECT_CARE, {"a-restricted", "a-sealed-by-alice"}),
    ("gp1", Purpose.DIRECT_CARE, {"a-restricted", "a-sealed-by-alice"}),
    ("nurse", Purpose.DIRECT_CARE, {"a-chlamydia", "a-restricted", "a-sealed-by-alice"}),
    ("sw", Purpose.DIRECT_CARE, {"a-chlamydia", "a-restricted", "a-sealed-by-alice"}),
    ("alice", Purpose.OWN_RECORD, {"a-safeguarding"}),
]


def test_sensitive_items_are_withheld_from_roles_that_may_not_see_them_and_counted(world: World) -> None:
    _seal_alices_item(world)
    for username, purpose, hidden in HIDDEN_FROM:
        seen, withheld = _seen(world, username, purpose)
        assert seen == EVERY_ITEM - hidden, username
        assert withheld == len(hidden), username


def test_mental_health_is_shown_to_every_care_role(world: World) -> None:
    for username in ("doc", "nurse", "gp1", "sw"):
        assert "a-depression" in _seen(world, username)[0]


def test_an_objection_withholds_one_organisations_items_from_the_others_until_withdrawn(world: World) -> None:
    with world.db.session() as s:
        objection = record_objection(s, ALICE, "LA900", recorded_by="alice", now=NOW).id
    la_items = {"a-safeguarding", "a-service"}
    doc_seen, doc_withheld = _seen(world, "doc")
    assert not doc_seen & la_items
    assert doc_withheld == 1 + len(la_items)  # the source's restricted item, and the council's
    # The council's own social worker still sees the council's records.
    assert la_items <= _seen(world, "sw")[0]
    # The person sees everything they chose to keep from others.
    assert "a-service" in _seen(world, "alice", Purpose.OWN_RECORD)[0]
    with world.db.session() as s:
        withdraw_objection(s, objection, now=NOW)
    assert la_items <= _seen(world, "doc")[0]


def test_the_national_opt_out_is_not_applied_to_direct_care_but_objections_are(world: World) -> None:
    with world.db.session() as s:
        set_national_opt_out(s, ALICE, True, changed_by="alice", now=NOW)
        assert has_national_opt_out(s, ALICE)
    assert _seen(world, "gp1")[0] == EVERY_ITEM - {"a-restricted"}  # all a GP may see, opt-out or not
    with world.db.session() as s:
        record_objection(s, ALICE, "RZZ", recorded_by="alice", now=NOW)
        record_objection(s, ALICE, "RZZ", recorded_by="alice", now=NOW)  # twice is once
        assert s.scalar(select(func.count()).select_from(SharingObjection)) == 1
    seen, _ = _seen(world, "gp1")
    assert not seen & {"a-chlamydia", "a-admission"}


def test_bad_consent_input_is_refused_with_the_field_named_and_nothing_written(world: World) -> None:
    with pytest.raises(UserError) as bad, world.db.session() as s:
        record_objection(s, ALICE, "NOPE", recorded_by="alice", now=NOW)
    assert bad.value.where == "organisation"
    with pytest.raises(UserError) as unknown, world.db.session() as s:
        seal_item(s, "PNOBODY000001", ItemRef(SOURCE_EVENT, 1), sealed_by="x", now=NOW)
    assert unknown.value.where == "person"
    with pytest.raises(UserError) as nobody, world.db.session() as s:
        set_national_opt_out(s, "PNOBODY000001", True, changed_by="x", now=NOW)
    assert nobody.value.where == "person"
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SharingObjection)) == 0


def test_a_sealed_item_asked_for_by_id_is_refused_alike_to_a_missing_one_and_both_are_audited(world: World) -> None:
    _seal_alices_item(world)
    gate, doc = world.gate(), world.actors["doc"]
    messages = []
    for event_id in (world.events["a-sealed-by-alice"], world.events["a-restricted"], 999_999, world.events["b-reg"]):
        with pytest.raises(AccessDenied) as refused, gate.open_person(doc, ALICE) as record:
            record.event(event_id)
        messages.append(str(refused.value))
    assert len(set(messages)) == 1
    rows = world.audit_rows()
    # The opens were not served (the block raised), the refusals are on the record.
    assert [(r.entity_type, r.outcome) for r in rows] == [(SOURCE_EVENT, Outcome.MINOR_FAILURE)] * 4
    assert all(r.patient_id == ALICE for r in rows)


def test_an_item_that_may_be_shown_is_served_by_id_and_audited_with_the_open(world: World) -> None:
    with world.gate().open_person(world.actors["doc"], ALICE) as record:
        event = record.event(world.events["a-chlamydia"])
        assert event.code == "A56.0"
    assert [(r.entity_type, r.entity_id, r.outcome) for r in world.audit_rows()] == [
        ("Patient", ALICE, Outcome.SUCCESS),
        (SOURCE_EVENT, str(world.events["a-chlamydia"]), Outcome.SUCCESS),
    ]


def test_a_denied_item_inside_a_served_page_is_audited_with_the_page(world: World) -> None:
    with world.gate().open_person(world.actors["nurse"], ALICE) as record:
        with pytest.raises(AccessDenied):
            record.event(world.events["a-chlamydia"])
        record.events()
    assert [r.outcome for r in world.audit_rows()] == [Outcome.SUCCESS, Outcome.MINOR_FAILURE]


def test_the_record_code_filters_its_own_items_by_the_same_policy(world: World) -> None:
    notes = [
        ItemFacts(ItemRef("note", 1), "RZZ", ((None, None),)),
        ItemFacts(ItemRef("note", 2), "RZZ", (("http://hl7.org/fhir/sid/icd-10", "B20"),)),
        ItemFacts(ItemRef("note", 3), "RZZ", sealed=True),
    ]
    with world.gate().open_person(world.actors["sw"], ALICE) as record:
        shown = record.filter(notes, lambda n: n)
    assert [n.ref.item_id for n in shown.visible] == [1]
    assert shown.withheld == 2


def test_a_capability_cannot_be_used_after_its_block(world: World) -> None:
    with world.gate().open_person(world.actors["doc"], ALICE) as record:
        pass
    with pytest.raises(RuntimeError):
        record.events()


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((("http://hl7.org/fhir/sid/icd-10", "F20.0"),), Sensitivity.MENTAL_HEALTH),
        ((("http://hl7.org/fhir/sid/icd-10", "f200"),), Sensitivity.MENTAL_HEALTH),
        ((("http://hl7.org/fhir/sid/icd-10", "A54.9"),), Sensitivity.SEXUAL_HEALTH),
        ((("http://hl7.org/fhir/sid/icd-10", "T74.1"),), Sensitivity.SAFEGUARDING),
        ((("http://hl7.org/fhir/sid/icd-10", "I10"),), Sensitivity.NORMAL),
        ((("http://snomed.info/sct", "86406008"),), Sensitivity.SEXUAL_HEALTH),
        ((("http://snomed.info/sct", "35489007"),), Sensitivity.MENTAL_HEALTH),
        ((("http://snomed.info/sct", "417430008"),), Sensitivity.SAFEGUARDING),
        # The same code in another system means nothing.
        ((("https://dmd.nhs.uk", "35489007"),), Sensitivity.NORMAL),
        # Two categories: the stricter wins.
        (
            (("http://snomed.info/sct", "35489007"), ("http://hl7.org/fhir/sid/icd-10", "T74.0")),
            Sensitivity.SAFEGUARDING,
        ),
    ],
)
def test_the_category_comes_from_the_codes(codes: tuple[tuple[str, str], ...], expected: Sensitivity) -> None:
    assert categorise(codes) == expected
    assert categorise(codes, sealed=True) == Sensitivity.SEALED


def test_bobs_record_is_not_reachable_through_alices_access(world: World) -> None:
    with pytest.raises(AccessDenied), world.gate().open_person(world.actors["gp1"], ALICE) as record:
        record.event(world.events["b-service"])
    assert world.audit_rows()[0].patient_id == ALICE
    assert BOB not in {r.patient_id for r in world.audit_rows()}
