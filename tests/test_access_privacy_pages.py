"""The privacy officer's alert queue in the web app: only privacy officers, reviews by CSRF-protected forms, audited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from socialdata.access import AlertStatus
from socialdata.api import create_app
from socialdata.audit import Outcome
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.store import Database
from socialdata.store.models import AccessAlert, AccessGrant
from test_access_world import BOB, World, build_world

PASSWORD = "a long test password"
REASON = "Collapsed in A&E <script>alert(1)</script>"


@pytest.fixture
def world(db: Database) -> World:
    built = build_world(db)
    for username in ("po", "gp1"):
        set_password(db, username, PASSWORD)
    built.gate().break_glass(built.actors["doc"], BOB, REASON)
    return built


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _login(client: TestClient, username: str) -> None:
    form = {"csrf_token": _token(client, "/login"), "username": username, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 303


def _alert_status(world: World) -> list[str]:
    with world.db.session() as s:
        return list(s.scalars(select(AccessAlert.status)))


def test_anyone_not_signed_in_is_sent_to_log_in_and_no_decision_is_made(client: TestClient, world: World) -> None:
    before = world.audit_count()
    answer = client.get("/privacy/alerts")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/privacy/alerts"
    assert world.audit_count() == before


def test_another_role_is_refused_sees_no_alert_and_the_refusal_is_audited(client: TestClient, world: World) -> None:
    _login(client, "gp1")
    answer = client.get("/privacy/alerts")
    assert answer.status_code == 403
    assert "Only a privacy officer" in answer.text
    assert BOB not in answer.text
    last = world.audit_rows()[-1]
    assert (last.username, last.entity_type, last.outcome) == ("gp1", "AccessAlertQueue", Outcome.MINOR_FAILURE)
    token = _token(client, "/")
    refused = client.post("/privacy/alerts/1", data={"csrf_token": token, "outcome": "justified"})
    assert refused.status_code == 403
    assert _alert_status(world) == [AlertStatus.OPEN]


def test_the_privacy_officer_sees_the_queue_and_justifies_an_alert(client: TestClient, world: World) -> None:
    _login(client, "po")
    page = client.get("/privacy/alerts")
    assert page.status_code == 200
    assert BOB in page.text
    assert "Collapsed in A&amp;E &lt;script&gt;" in page.text  # the reason is shown, escaped
    assert "<script>alert(1)" not in page.text
    [alert_id] = re.findall(r'id="alert-(\d+)"', page.text)
    token = _token(client, "/privacy/alerts")
    done = client.post(f"/privacy/alerts/{alert_id}", data={"csrf_token": token, "outcome": "justified"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/privacy/alerts?reviewed={alert_id}"
    assert _alert_status(world) == [AlertStatus.JUSTIFIED]
    after = client.get(done.headers["location"]).text
    assert "Nothing is waiting for review." in after
    assert f"Alert {alert_id} has been reviewed." in after


def test_a_referral_ends_the_access(client: TestClient, world: World) -> None:
    _login(client, "po")
    token = _token(client, "/privacy/alerts")
    form = {"csrf_token": token, "outcome": "referred", "note": "No record of this patient in A&E"}
    assert client.post("/privacy/alerts/1", data=form).status_code == 303
    with world.db.session() as s:
        assert s.scalars(select(AccessGrant.revoked_at)).one() is not None
    assert "access ended" in client.get("/privacy/alerts").text


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        ({"outcome": "referred", "note": ""}, 400, "say why"),
        ({"outcome": "approve"}, 400, "choose justified or referred"),
        ({"outcome": "justified", "csrf_token": "forged"}, 403, "This form has expired"),
    ],
)
def test_a_bad_or_forged_review_is_refused_and_nothing_changes(
    client: TestClient, world: World, form: dict[str, str], code: int, message: str
) -> None:
    _login(client, "po")
    data = {"csrf_token": _token(client, "/privacy/alerts"), **form}
    answer = client.post("/privacy/alerts/1", data=data)
    assert answer.status_code == code
    assert message in answer.text
    assert _alert_status(world) == [AlertStatus.OPEN]


def test_an_unknown_alert_is_a_clear_error(client: TestClient, world: World) -> None:
    _login(client, "po")
    data = {"csrf_token": _token(client, "/privacy/alerts"), "outcome": "justified"}
    answer = client.post("/privacy/alerts/999", data=data)
    assert answer.status_code == 400
    assert "alert 999 is not waiting for review" in answer.text
