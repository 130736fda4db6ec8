"""The FHIR API beyond search: a resource read by id through the gate for every per-patient type and AuditEvent,
the `date` search parameter with its prefixes, and OperationOutcomes for paths and methods it does not serve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.record import CareRecord, issue_token
from socialdata.store import Database
from socialdata.store.models import EntryKind, FeedSubmission, SourceEvent
from test_access_world import ALICE, NOW, World, build_world, days

# The kind of feed event each per-patient resource type is read from.
KINDS = {
    "Encounter": "encounter",
    "Condition": "condition",
    "Observation": "observation",
    "AllergyIntolerance": "allergy",
    "MedicationStatement": "medication",
    "CarePlan": "asc_service",
}


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _bearer(world: World, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(world.db, username).token}"}


def _outcome(answer: Any, code: int) -> str:
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


def _add_gp_event(world: World, kind: str, name: str) -> int:
    """An event of `kind` from Alice's practice (the world has none of some kinds)."""
    with world.db.session() as s:
        submission = s.scalars(select(FeedSubmission.id).where(FeedSubmission.organisation_id == "Y90001")).first()
        assert submission is not None
        event = SourceEvent(
            organisation_id="Y90001",
            submission_id=submission,
            source_id=name,
            person_source_id="gp-a",
            kind=kind,
            display=name,
            status="active",
            start_at=NOW - days(30),
            detail={},
        )
        s.add(event)
        s.flush()
        return event.id


@pytest.mark.parametrize("resource_type", list(KINDS))
def test_each_per_patient_type_is_read_by_id_through_the_gate(
    client: TestClient, world: World, resource_type: str
) -> None:
    event_id = _add_gp_event(world, KINDS[resource_type], f"read-{resource_type}")
    before = world.audit_count()
    body = client.get(f"/fhir/{resource_type}/{event_id}", headers=_bearer(world, "gp1")).json()
    assert body["resourceType"] == resource_type and body["id"] == str(event_id)
    assert ALICE in str(body.get("subject") or body.get("patient"))
    item_reads = [r for r in world.audit_rows()[before:] if r.entity_type == "source_event"]
    assert [(r.username, r.patient_id, r.entity_id, r.outcome) for r in item_reads] == [
        ("gp1", ALICE, str(event_id), 0)
    ]


def test_a_care_plan_entry_is_read_by_its_entry_id(client: TestClient, world: World) -> None:
    entry_id = CareRecord(world.db).add_entry(world.actors["gp1"], ALICE, EntryKind.CARE_PLAN, "Daily walks")
    body = client.get(f"/fhir/CarePlan/entry-{entry_id}", headers=_bearer(world, "gp1")).json()
    assert body["id"] == f"entry-{entry_id}" and body["description"] == "Daily walks"


def test_absent_withheld_unrelated_and_mistyped_resources_get_one_answer_and_are_audited(
    client: TestClient, world: World
) -> None:
    gp1, gp2 = _bearer(world, "gp1"), _bearer(world, "gp2")
    note = CareRecord(world.db).add_entry(world.actors["gp1"], ALICE, EntryKind.NOTE, "not a care plan")
    attempts = [
        (f"/fhir/Condition/{world.events['a-depression']}", gp2),  # no relationship with Alice
        (f"/fhir/Condition/{world.events['a-chlamydia'] + 10_000}", gp1),  # no such event
        (f"/fhir/Encounter/{world.events['a-depression']}", gp1),  # a condition, asked for as an encounter
        (f"/fhir/Observation/{world.events['a-restricted']}", gp1),  # sealed by the trust
        (f"/fhir/CarePlan/entry-{note}", gp1),  # a note is no care plan
    ]
    before = world.audit_count()
    answers = {(_outcome(client.get(path, headers=headers), 403)) for path, headers in attempts}
    assert len(answers) == 1
    refusals = [r for r in world.audit_rows()[before:] if r.outcome != 0]
    assert len(refusals) == len(attempts)
    assert client.get(f"/fhir/Condition/{world.events['a-depression']}", headers=gp1).status_code == 200


@pytest.mark.parametrize("path", ["/fhir/Condition/abc", "/fhir/CarePlan/entry-x", "/fhir/AuditEvent/x1"])
def test_an_id_no_resource_could_have_is_a_404_outcome(client: TestClient, world: World, path: str) -> None:
    headers = _bearer(world, "po" if "AuditEvent" in path else "gp1")
    assert "id" in _outcome(client.get(path, headers=headers), 404)


def test_an_audit_event_is_read_by_id_by_the_privacy_officer_only(client: TestClient, world: World) -> None:
    client.get(f"/fhir/Patient/{ALICE}", headers=_bearer(world, "gp1"))
    event_id = world.audit_rows()[-1].id
    body = client.get(f"/fhir/AuditEvent/{event_id}", headers=_bearer(world, "po")).json()
    assert body["resourceType"] == "AuditEvent" and body["id"] == str(event_id)
    assert body["entity"][0]["what"]["reference"] == f"Patient/{ALICE}"
    _outcome(client.get(f"/fhir/AuditEvent/{event_id}", headers=_bearer(world, "gp1")), 403)
    _outcome(client.get(f"/fhir/AuditEvent/{event_id + 1000}", headers=_bearer(world, "po")), 404)
    looked = [(r.username, r.entity_id, r.outcome == 0) for r in world.audit_rows() if r.entity_type == "AuditEvent"]
    assert looked[-3:] == [
        ("po", str(event_id), True),
        ("gp1", str(event_id), False),
        ("po", str(event_id + 1000), True),
    ]


# Alice's conditions a GP may see start 900 (hypertension), 700, 400 (depression) and 300 (chlamydia) days before NOW.


def _day(days_ago: int) -> str:
    return (NOW - days(days_ago)).date().isoformat()


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ([f"ge{_day(500)}"], {"a-depression", "a-chlamydia"}),
        ([f"lt{_day(500)}"], {"a-hypertension", "a-sealed-by-alice"}),
        ([_day(400)], {"a-depression"}),
        ([f"eq{_day(400)}"], {"a-depression"}),
        ([f"le{_day(400)}"], {"a-hypertension", "a-sealed-by-alice", "a-depression"}),
        ([f"gt{_day(400)}"], {"a-chlamydia"}),
        ([f"gt{_day(1000)}", f"lt{_day(350)}"], {"a-hypertension", "a-sealed-by-alice", "a-depression"}),
        ([f"eq{_day(400)[:7]}"], {"a-depression"}),
        ([f"ge{(NOW - days(300)).isoformat().replace('+00:00', 'Z')}"], {"a-chlamydia"}),
        ([f"gt{(NOW - days(300)).isoformat().replace('+00:00', 'Z')}"], set()),
    ],
)
def test_the_date_parameter_keeps_what_each_prefix_says(
    client: TestClient, world: World, dates: list[str], expected: set[str]
) -> None:
    query = "&".join([f"patient={ALICE}", *(f"date={d}" for d in dates)])
    body = client.get(f"/fhir/Condition?{query}", headers=_bearer(world, "gp1")).json()
    found = {e["resource"]["code"]["text"] for e in body["entry"]}
    assert found == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    ("date", "says"),
    [
        ("ne2026-01-01", "prefixes"),
        ("sa2026", "prefixes"),
        ("2026-13", "not a date"),
        ("2026-02-30", "not a date"),
        ("yesterday", "prefixes"),
        ("2026-01-01T10:00:00", "not a date"),
    ],
)
def test_a_bad_date_is_a_400_naming_what_is_wrong(client: TestClient, world: World, date: str, says: str) -> None:
    audited = world.audit_count()
    message = _outcome(client.get(f"/fhir/Encounter?patient={ALICE}&date={date}", headers=_bearer(world, "gp1")), 400)
    assert says in message
    assert world.audit_count() == audited


def test_three_dates_are_refused_and_a_repeated_patient_still_is(client: TestClient, world: World) -> None:
    headers = _bearer(world, "gp1")
    three = "&".join(f"date=ge202{n}" for n in range(3))
    assert "at most 2" in _outcome(client.get(f"/fhir/Encounter?patient={ALICE}&{three}", headers=headers), 400)
    assert "more than once" in _outcome(
        client.get(f"/fhir/Encounter?patient={ALICE}&patient={ALICE}&date=2026", headers=headers), 400
    )


@pytest.mark.parametrize("path", ["/fhir/Patinet", "/fhir/Condition/1/_history", "/fhir"])
def test_an_unknown_fhir_path_is_a_404_outcome(client: TestClient, path: str) -> None:
    assert "metadata" in _outcome(client.get(path), 404)


def test_an_unsupported_method_is_a_405_outcome_and_other_paths_keep_their_answer(client: TestClient) -> None:
    assert "not supported" in _outcome(client.post("/fhir/Patient", json={}), 405)
    elsewhere = client.get("/no-such-page")
    assert elsewhere.status_code == 404
    assert not elsewhere.headers["content-type"].startswith("application/fhir+json")


def test_the_capability_statement_lists_the_reads_and_the_date_parameter(client: TestClient) -> None:
    resources = {r["type"]: r for r in client.get("/fhir/metadata").json()["rest"][0]["resource"]}
    for resource_type in (*KINDS, "AuditEvent"):
        assert {"code": "read"} in resources[resource_type]["interaction"]
    for resource_type in KINDS:
        assert "date" in {p["name"] for p in resources[resource_type]["searchParam"]}


def test_a_date_keeps_only_care_plan_entries_written_in_it(client: TestClient, world: World) -> None:
    entry_id = CareRecord(world.db).add_entry(world.actors["gp1"], ALICE, EntryKind.CARE_PLAN, "Physio weekly")
    today = dt.datetime.now(dt.UTC).date()
    headers = _bearer(world, "gp1")
    kept = client.get(f"/fhir/CarePlan?patient={ALICE}&date=ge{today}", headers=headers).json()
    assert [e["resource"]["id"] for e in kept["entry"]] == [f"entry-{entry_id}"]
    earlier = client.get(f"/fhir/CarePlan?patient={ALICE}&date=lt{today}", headers=headers).json()
    assert f"entry-{entry_id}" not in {e["resource"]["id"] for e in earlier["entry"]}
