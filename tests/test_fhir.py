"""The FHIR R4 API: bearer tokens, Patient read/search/$everything, per-patient searches with paging, AuditEvent for
privacy officers, and the attacks (no or expired token, no relationship, guessed ids, unknown search parameters)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from socialdata.api import create_app
from socialdata.cli import app as cli
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.record import issue_token
from socialdata.store import Database
from test_access_world import ALICE, BOB, GUESSED, World, build_world

NHS = "https://fhir.nhs.uk/Id/nhs-number"


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _bearer(world: World, username: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(world.db, username, **kwargs).token}"}


def _outcome(answer: Any, code: int) -> str:
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


def test_the_capability_statement_describes_the_server(client: TestClient) -> None:
    body = client.get("/fhir/metadata").json()
    assert body["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types >= {"Patient", "Encounter", "Condition", "Observation", "AllergyIntolerance", "AuditEvent"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer sdf_not-a-real-token"}, {"Authorization": "Basic Z3AxOnBhc3N3b3Jk"}],
    ids=["no token", "unknown token", "not a bearer"],
)
def test_without_a_valid_token_nothing_is_answered(client: TestClient, world: World, headers: dict[str, str]) -> None:
    for path in (f"/fhir/Patient/{ALICE}", f"/fhir/Condition?patient={ALICE}", "/fhir/AuditEvent"):
        answer = client.get(path, headers=headers)
        _outcome(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "Smith" not in answer.text


def test_an_expired_token_is_refused(client: TestClient, world: World) -> None:
    issued_yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    headers = _bearer(world, "gp1", hours=2, clock=lambda: issued_yesterday)
    assert "expired" in _outcome(client.get(f"/fhir/Patient/{ALICE}", headers=headers), 401)
    assert client.get(f"/fhir/Patient/{ALICE}", headers=_bearer(world, "gp1")).status_code == 200


@pytest.mark.parametrize(("username", "hours"), [("nobody", 8), ("gp1", 0), ("gp1", 721)])
def test_a_token_cannot_be_issued_for_no_one_or_for_too_long(world: World, username: str, hours: float) -> None:
    with pytest.raises(UserError):
        issue_token(world.db, username, hours=hours)


def test_sdf_token_issue_prints_a_token_that_works(cli_env: dict[str, str], client: TestClient) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["token", "issue", "gp1", "--hours", "1", "--json"], env=cli_env)
    assert done.exit_code == 0, done.output
    token = json.loads(done.stdout)["token"]
    assert client.get(f"/fhir/Patient/{ALICE}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = runner.invoke(cli, ["token", "issue", "gp1", "--hours", "0"], env=cli_env)
    assert refused.exit_code != 0 and "hours" in refused.stderr


def test_patient_read_carries_every_partners_identifier(client: TestClient, world: World) -> None:
    body = client.get(f"/fhir/Patient/{ALICE}", headers=_bearer(world, "gp1")).json()
    assert body["resourceType"] == "Patient" and body["id"] == ALICE
    systems = {i["system"]: i["value"] for i in body["identifier"]}
    assert systems[NHS] == "9990000018"
    assert systems["https://socialdata.example/LA900/Id/patient"] == "la-a"
    assert body["birthDate"] == "1950-03-01"


def test_patient_search_by_nhs_number_or_name_and_birth_date(client: TestClient, world: World) -> None:
    headers = _bearer(world, "doc")
    by_number = client.get(f"/fhir/Patient?identifier={NHS}|9990000018", headers=headers).json()
    assert by_number["type"] == "searchset" and by_number["total"] == 1
    assert by_number["entry"][0]["resource"]["id"] == ALICE
    by_name = client.get("/fhir/Patient", params={"family": "jones", "birthdate": "1940-07-09"}, headers=headers).json()
    assert [e["resource"]["id"] for e in by_name["entry"]] == [BOB]
    assert "birth" in _outcome(client.get("/fhir/Patient?name=Smith", headers=headers), 400)
    assert "check" in _outcome(client.get("/fhir/Patient?identifier=9990000019", headers=headers), 400)


def test_per_patient_searches_show_what_the_gate_allows_with_provenance(client: TestClient, world: World) -> None:
    gp, nurse = _bearer(world, "gp1"), _bearer(world, "pnurse1")
    conditions = client.get(f"/fhir/Condition?patient=Patient/{ALICE}", headers=gp).json()
    nurse_view = client.get(f"/fhir/Condition?patient={ALICE}", headers=nurse).json()
    assert nurse_view["total"] < conditions["total"]  # sexual health is not for a practice nurse
    condition = next(e["resource"] for e in conditions["entry"] if e["resource"]["code"]["text"] == "a-depression")
    assert condition["subject"] == {"reference": f"Patient/{ALICE}"}
    assert condition["meta"]["source"].startswith("urn:socialdata:submission:")
    assert condition["meta"]["tag"][0]["code"] == "Y90001"
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10",
        "code": "F32.1",
        "display": "a-depression",
    }
    observations = client.get(f"/fhir/Observation?patient={ALICE}", headers=gp).json()
    assert observations["total"] == 0  # the trust flagged it sealed
    encounters = client.get(f"/fhir/Encounter?patient={ALICE}", headers=gp).json()
    assert encounters["entry"][0]["resource"]["status"] == "in-progress"
    care_plans = client.get(f"/fhir/CarePlan?patient={ALICE}", headers=gp).json()
    assert care_plans["entry"][0]["resource"]["intent"] == "plan"


def test_everything_is_paged_with_a_total_and_links(client: TestClient, world: World) -> None:
    headers = _bearer(world, "gp1")
    whole = client.get(f"/fhir/Patient/{ALICE}/$everything", headers=headers).json()
    assert whole["entry"][0]["resource"]["resourceType"] == "Patient"
    total = whole["total"]
    assert total == len(whole["entry"]) > 4
    seen = []
    url: str | None = f"/fhir/Patient/{ALICE}/$everything?_count=2"
    while url:
        page = client.get(url, headers=headers).json()
        assert page["total"] == total
        seen += [e["fullUrl"] for e in page["entry"]]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert seen == [e["fullUrl"] for e in whole["entry"]]


@pytest.mark.parametrize(
    "query",
    [
        f"/fhir/Condition?patiant={ALICE}",
        f"/fhir/Condition?patient={ALICE}&code=F32.1",
        f"/fhir/Condition?patient={ALICE}&patient={BOB}",
        f"/fhir/Patient/{ALICE}?_elements=name",
        f"/fhir/Patient/{ALICE}/$everything?_since=2020-01-01",
        "/fhir/Patient?identifer=9990000018",
        "/fhir/Observation",
        f"/fhir/Encounter?patient={ALICE}&_count=0",
        f"/fhir/Encounter?patient={ALICE}&_offset=-1",
        "/fhir/AuditEvent?user=gp1",
    ],
)
def test_an_unknown_or_misspelled_search_parameter_is_a_400_never_an_unfiltered_answer(
    client: TestClient, world: World, query: str
) -> None:
    headers = _bearer(world, "po") if "AuditEvent" in query else _bearer(world, "gp1")
    audited = world.audit_count()
    _outcome(client.get(query, headers=headers), 400)
    assert world.audit_count() == audited  # refused before anything was read


def test_no_relationship_and_a_guessed_id_get_the_same_answer_and_both_are_audited(
    client: TestClient, world: World
) -> None:
    headers = _bearer(world, "gp2")
    answers = []
    for person in (ALICE, GUESSED):
        for path in (
            f"/fhir/Patient/{person}",
            f"/fhir/Condition?patient={person}",
            f"/fhir/Patient/{person}/$everything",
        ):
            answer = client.get(path, headers=headers)
            answers.append((answer.status_code, answer.text))
    assert len(set(answers)) == 1 and answers[0][0] == 403
    refused = [r for r in world.audit_rows() if r.username == "gp2"]
    assert sorted(r.patient_id or "" for r in refused) == sorted([ALICE] * 3 + [GUESSED] * 3)
    assert all(r.outcome != 0 for r in refused)


def test_audit_events_are_for_the_privacy_officer_only(client: TestClient, world: World) -> None:
    client.get(f"/fhir/Patient/{ALICE}", headers=_bearer(world, "gp1"))
    _outcome(client.get("/fhir/AuditEvent", headers=_bearer(world, "gp1")), 403)
    body = client.get(f"/fhir/AuditEvent?patient={ALICE}", headers=_bearer(world, "po")).json()
    assert body["total"] >= 1
    reads = [e["resource"] for e in body["entry"] if e["resource"]["agent"][0]["who"]["identifier"]["value"] == "gp1"]
    assert reads and reads[-1]["action"] == "R" and reads[-1]["entity"][0]["what"]["reference"] == f"Patient/{ALICE}"
    assert reads[-1]["agent"][0]["purposeOfUse"][0]["coding"][0]["code"] == "TREAT"
    looked = [r for r in world.audit_rows() if r.entity_type == "AuditEvent"]
    assert [(r.username, r.outcome == 0) for r in looked] == [("gp1", False), ("po", True)]
