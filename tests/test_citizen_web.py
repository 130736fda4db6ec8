"""The citizen portal over HTTP: the attacks the issue names, each with a test — another person's record, access log,
proof or download (refused alike, audited, no existence leak), a forged opt-out for someone else, an oversized
correction, HTML in a correction (stored as written, shown as text), a session replayed after logout — and the two
downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.consent import has_national_opt_out
from socialdata.governance.users import set_password
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, CorrectionRequest
from test_access_world import ALICE, BOB, GUESSED, World, build_world

PASSWORD = "citizen web password"
HTML_STATEMENT = "<script>alert('x')</script> My <b>allergy</b> is to penicillin, not to peanuts."


@pytest.fixture
def world(db: Database) -> World:
    built = build_world(db)
    set_password(db, "alice", PASSWORD)
    return built


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        _log_in(test_client)
        yield test_client


def _token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"{path} carries no CSRF token"
    return found.group(1)


def _log_in(client: TestClient) -> None:
    answer = client.post("/login", data={"csrf_token": _token(client), "username": "alice", "password": PASSWORD})
    assert answer.status_code == 303


def _denied_for(world: World, patient_id: str) -> int:
    with world.db.session() as s:
        found = s.scalar(
            select(func.count())
            .select_from(AuditEventRecord)
            .where(AuditEventRecord.patient_id == patient_id, AuditEventRecord.outcome != 0)
        )
    return int(found or 0)


def test_her_own_pages_open(client: TestClient) -> None:
    home = client.get("/citizen")
    assert home.status_code == 200 and "<h1>Your record</h1>" in home.text and "Alice Smith" in home.text
    for path in ("", "/access", "/uses", "/choices"):
        assert client.get(f"/citizen/{ALICE}{path}").status_code == 200, path


@pytest.mark.parametrize("path", ["", "/access", "/uses", "/choices", "/export.json", "/export.html", "/access/1"])
def test_another_persons_pages_are_refused_alike_and_audited(client: TestClient, world: World, path: str) -> None:
    answers = {}
    for target in (BOB, GUESSED):
        before = _denied_for(world, target)
        answer = client.get(f"/citizen/{target}{path}")
        assert answer.status_code == 403
        assert _denied_for(world, target) == before + 1
        answers[target] = answer.text
    assert answers[BOB] == answers[GUESSED]  # the page does not say whether such a person exists
    assert "Bob" not in answers[BOB] and "9990000026" not in answers[BOB]


def test_a_forged_opt_out_for_someone_else_changes_nothing(client: TestClient, world: World) -> None:
    token = _token(client, f"/citizen/{ALICE}/choices")
    answer = client.post(f"/citizen/{BOB}/choices/opt-out", data={"csrf_token": token, "opted_out": "yes"})
    assert answer.status_code == 403
    forged = client.post(f"/citizen/{ALICE}/choices/opt-out", data={"csrf_token": "forged", "opted_out": "yes"})
    assert forged.status_code in (400, 403)
    with world.db.session() as s:
        assert not has_national_opt_out(s, BOB) and not has_national_opt_out(s, ALICE)
    own = client.post(f"/citizen/{ALICE}/choices/opt-out", data={"csrf_token": token, "opted_out": "yes"})
    assert own.status_code == 303
    with world.db.session() as s:
        assert has_national_opt_out(s, ALICE) and not has_national_opt_out(s, BOB)


def test_an_oversized_correction_is_refused_with_a_readable_message_and_nothing_stored(
    client: TestClient, world: World
) -> None:
    item = f"/citizen/{ALICE}/items/source_event/{world.events['a-reg']}/correct"
    answer = client.post(item, data={"csrf_token": _token(client, item), "statement": "x" * 50_000})
    assert answer.status_code == 400
    assert "keep it under 2,000 characters (it has 50,000)" in answer.text and "Traceback" not in answer.text
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_html_in_a_correction_is_kept_as_written_and_shown_as_text(client: TestClient, world: World) -> None:
    item = f"/citizen/{ALICE}/items/source_event/{world.events['a-reg']}/correct"
    answer = client.post(item, data={"csrf_token": _token(client, item), "statement": HTML_STATEMENT})
    assert answer.status_code == 303
    with world.db.session() as s:
        assert s.scalars(select(CorrectionRequest.statement)).one() == HTML_STATEMENT
    page = client.get(f"/citizen/{ALICE}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page


def test_a_session_replayed_after_logout_is_signed_out(settings: Settings, client: TestClient) -> None:
    assert client.get("/citizen").status_code == 200
    cookie = client.cookies.get("sdf_session")
    assert cookie
    assert client.post("/logout", data={"csrf_token": _token(client, "/citizen")}).status_code == 303
    with TestClient(create_app(settings), follow_redirects=False) as replay:
        replay.cookies.set("sdf_session", cookie)
        answer = replay.get("/citizen")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_downloads_are_a_fhir_bundle_and_a_readable_page(client: TestClient, world: World) -> None:
    bundle = client.get(f"/citizen/{ALICE}/export.json")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("application/fhir+json")
    assert "attachment" in bundle.headers["content-disposition"]
    parsed = orjson.loads(bundle.content)
    assert parsed["resourceType"] == "Bundle" and parsed["entry"][0]["resource"]["id"] == ALICE
    readable = client.get(f"/citizen/{ALICE}/export.html")
    assert readable.status_code == 200 and "Everything the Social Data Foundation holds about you" in readable.text
    assert "Alice Smith" in readable.text and "Who looked at your record" in readable.text
    exports = [e for e in world.audit_rows() if e.entity_type == "SubjectAccessExport"]
    assert len(exports) == 2 and all(e.patient_id == ALICE for e in exports)
