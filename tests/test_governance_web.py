"""Governance pages and the public register over HTTP: the register needs no login and its CSV cannot carry a
spreadsheet formula; a researcher cannot approve through a forged POST; an ODRL policy round-trips through the pages;
citizens get no governance pages; bad input is a readable message, not a stack trace."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from socialdata.store.models import Project
from test_governance_world import (
    World,
    active_agreement,
    applied_project,
    build_world,
    project_in_access,
    research_terms,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.fixture
def client(settings: Settings, world: World) -> TestClient:
    return TestClient(create_app(settings))


def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"{path} carries no CSRF token"
    return found.group(1)


def _log_in(client: TestClient, username: str) -> None:
    token = _token(client, "/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (200, 303)


def test_the_register_is_public_and_its_csv_lists_approved_uses_without_formulas(
    world: World, client: TestClient
) -> None:
    project = project_in_access(world)
    with world.db.session() as s:
        row = s.get(Project, project.id)
        assert row is not None
        row.title = '=HYPERLINK("http://evil.example")'
    page = client.get("/register")
    assert page.status_code == 200 and "City University" in page.text
    assert "HYPERLINK" in page.text and "<script" not in page.text
    answer = client.get("/register.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 1
    assert rows[0]["title"].startswith("'=")  # shown as text by a spreadsheet, never run
    assert rows[0]["organisation"] == "City University" and rows[0]["commercial"] == "no"
    assert rows[0]["national_opt_out_applied"] == "yes" and "9(2)(j)" in rows[0]["legal_basis"]


def test_a_researcher_cannot_approve_their_own_project_by_posting_the_form(world: World, client: TestClient) -> None:
    applied = applied_project(world, active_agreement(world).id)
    world.projects.review(world.users["steward1"], applied.id, "five safes checked, recommend approval")
    _log_in(client, "lead")
    path = f"/governance/projects/{applied.id}"
    answer = client.post(f"{path}/approve", data={"csrf_token": _token(client, path)})
    assert answer.status_code == 403
    assert "only a board member may approve a project" in answer.text
    assert world.projects.get(applied.id).stage == "review"


def test_an_odrl_policy_exported_from_one_agreement_imports_as_a_draft(world: World, client: TestClient) -> None:
    project = project_in_access(world)
    _log_in(client, "steward1")
    policy = client.get(f"/governance/agreements/{project.agreement_id}/odrl.json")
    assert policy.status_code == 200 and policy.json()["@type"] == "Agreement"
    token = _token(client, "/governance/agreements/new")
    answer = client.post(
        "/governance/agreements/import",
        data={"csrf_token": token},
        files={"policy": ("policy.jsonld", policy.content, "application/ld+json")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    imported = client.get(answer.headers["location"])
    assert "draft" in imported.text and "University research access" in imported.text
    broken = client.post(
        "/governance/agreements/import",
        data={"csrf_token": token},
        files={"policy": ("policy.jsonld", b"{not json", "application/ld+json")},
    )
    assert broken.status_code == 400 and "the file is not JSON" in broken.text


def test_a_bad_agreement_form_is_a_readable_message_and_nothing_is_stored(world: World, client: TestClient) -> None:
    _log_in(client, "steward1")
    token = _token(client, "/governance/agreements/new")
    answer = client.post(
        "/governance/agreements",
        data={
            "csrf_token": token,
            "title": "Broken",
            "purpose": "research",
            "party": ["UNI"],
            "field": ["patients.sex", "patients.shoe_size"],
            "legal_basis_article6": "6(1)(e)",
            "legal_basis_article9": "9(2)(j)",
            "confidentiality_basis": "section_251",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert answer.status_code == 400
    assert "no field &#39;shoe_size&#39;" in answer.text and "Traceback" not in answer.text
    assert world.agreements.all() == []


def test_citizens_have_no_governance_pages_and_strangers_are_sent_to_log_in(
    world: World, db: Database, client: TestClient
) -> None:
    assert client.get("/governance", follow_redirects=False).status_code == 303
    create_user(db, "citizen1", PASSWORD, Role.CITIZEN, display_name="A Citizen", organisation_id=None)
    _log_in(client, "citizen1")
    assert client.get("/governance").status_code == 403


def test_only_administrators_and_stewards_open_the_admin_page(world: World, client: TestClient) -> None:
    _log_in(client, "lead")
    assert client.get("/governance/admin").status_code == 403
    client.post("/logout", data={"csrf_token": _token(client, "/governance")})
    _log_in(client, "admin")
    token = _token(client, "/governance/admin")
    answer = client.post(
        "/governance/admin/accounts",
        data={
            "csrf_token": token,
            "username": "board2",
            "display_name": "Second Board Member",
            "role": "board_member",
            "organisation": "FOUNDATION",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Second Board Member" in client.get("/governance/admin").text


def test_the_cli_refuses_a_researcher_approving_and_lists_projects(world: World, cli_env: dict[str, str]) -> None:
    project = project_in_access(world)

    def sdf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([".venv/bin/sdf", "governance", *args], env=cli_env, capture_output=True, text=True)

    refused = sdf("agreement", str(project.agreement_id), "revoke", "--by", "lead", "--note", "I want it gone now")
    assert refused.returncode == 2 and "only a board member or data steward may revoke" in refused.stderr
    listed = sdf("projects", "--by", "lead", "--json")
    assert listed.returncode == 0 and '"stage": "access"' in listed.stdout
    revoked = sdf("agreement", str(project.agreement_id), "revoke", "--by", "board1", "--note", "breach reported")
    assert revoked.returncode == 0 and "revoked" in revoked.stderr


def test_the_api_lists_the_register_and_publishes_only_approved_agreements(world: World, client: TestClient) -> None:
    project = project_in_access(world)
    draft = world.agreements.draft(world.users["steward1"], research_terms(title="Not yet agreed"))
    [use] = client.get("/api/register").json()
    assert use["project_id"] == project.id and use["organisation"] == "City University"
    assert use["datasets"] == ["hospital_admissions", "patients"] and use["outputs_released"] == []
    policy = client.get(f"/api/agreements/{project.agreement_id}/odrl")
    assert policy.status_code == 200 and policy.json()["sdf:status"] == "active"
    assert client.get(f"/api/agreements/{draft.id}/odrl").status_code == 404


def test_no_request_schemathesis_sends_to_the_governance_api_gets_a_server_error(
    world: World, settings: Settings
) -> None:
    project_in_access(world)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings)).include(
        path_regex="^/api/(register|agreements)"
    )
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            answer = case.call()
            assert answer.status_code < 500, f"{case.method} {case.formatted_path}: {answer.text[:300]}"

        check()
        tried.append(operation.label)
    assert sorted(tried) == ["GET /api/agreements/{agreement_id}/odrl", "GET /api/register"]
