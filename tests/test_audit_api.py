"""/api/audit: the signed tree head, the key, proofs that check out and each event's leaf; every bad parameter is a
clear 400; the app sequences and signs in the background."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from socialdata.api import audit_routes
from socialdata.api.app import create_app
from socialdata.audit import append_events, issue_tree_head, latest_tree_head, load_signing_key, sequence_pending
from socialdata.audit.background import sequence_interval
from socialdata.audit.canonical import event_leaf_hash
from socialdata.audit.proof_check import verify_consistency, verify_inclusion
from socialdata.audit.samples import sample_events
from socialdata.audit.tree_head import from_millis, tree_head_message
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.store import Database

EVENTS = sample_events(30, seed=31)


@pytest.fixture
def client(db: Database) -> TestClient:
    app = FastAPI()
    app.state.db = db
    app.include_router(audit_routes.router)
    return TestClient(app)


def _grow(db: Database, upto: int) -> None:
    with db.session() as s:
        start = s.connection().exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one()
        append_events(s, EVENTS[start:upto])
    issue_tree_head(db, load_signing_key(db.settings.home))


def test_the_signed_tree_head_verifies_with_the_published_key(db: Database, client: TestClient) -> None:
    before = client.get("/api/audit/sth").json()
    assert before["tree_head"] is None
    _grow(db, 30)
    body = client.get("/api/audit/sth").json()
    assert body["public_key"] == client.get("/api/audit/public-key").json()
    head = body["tree_head"]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]["public_key"]))
    message = tree_head_message(head["tree_size"], from_millis(head["timestamp_ms"]), bytes.fromhex(head["root_hash"]))
    key.verify(base64.b64decode(head["signature"]), message)  # raises if it does not verify
    assert head["tree_size"] == 30


def test_inclusion_and_consistency_proofs_check_out_against_signed_heads(db: Database, client: TestClient) -> None:
    _grow(db, 11)
    old = client.get("/api/audit/sth").json()["tree_head"]
    _grow(db, 30)
    new = client.get("/api/audit/sth").json()["tree_head"]
    for index in (0, 10, 29):
        proof = client.get("/api/audit/proof/inclusion", params={"leaf_index": index}).json()
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        leaf = event_leaf_hash(EVENTS[index])
        assert verify_inclusion(index, 30, leaf, path, bytes.fromhex(new["root_hash"]))
    proof = client.get("/api/audit/proof/inclusion", params={"leaf_index": 3, "tree_size": 11}).json()
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert verify_inclusion(3, 11, event_leaf_hash(EVENTS[3]), path, bytes.fromhex(old["root_hash"]))
    link = client.get("/api/audit/proof/consistency", params={"first": 11, "second": 30}).json()
    path = [bytes.fromhex(h) for h in link["consistency_path"]]
    assert verify_consistency(11, 30, bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"]), path)


BAD_REQUESTS = [
    ("/api/audit/proof/inclusion", {}, "leaf_index: is required"),
    ("/api/audit/proof/inclusion", {"leaf_index": "abc"}, "leaf_index: must be a whole number"),
    ("/api/audit/proof/inclusion", {"leaf_index": "-1"}, "leaf_index: must be a whole number"),
    ("/api/audit/proof/inclusion", {"leaf_index": "1e3"}, "leaf_index: must be a whole number"),
    ("/api/audit/proof/inclusion", {"leaf_index": "٣"}, "leaf_index: must be a whole number"),
    ("/api/audit/proof/inclusion", {"leaf_index": "9" * 40}, "leaf_index: must be a whole number"),
    ("/api/audit/proof/inclusion", {"leaf_index": "5"}, "leaf_index: 5 is not a leaf of a tree of size 5"),
    ("/api/audit/proof/inclusion", {"leaf_index": "0", "tree_size": "6"}, "tree_size: 6 is outside the log"),
    ("/api/audit/proof/inclusion", {"leaf_index": "0", "tree_size": "x"}, "tree_size: must be a whole number"),
    ("/api/audit/proof/consistency", {}, "first: is required"),
    ("/api/audit/proof/consistency", {"first": "' OR 1=1 --"}, "first: must be a whole number"),
    ("/api/audit/proof/consistency", {"first": "4", "second": "3"}, "first: 4 must be between 0 and the second"),
    ("/api/audit/proof/consistency", {"first": "1", "second": "99"}, "second: 99 is outside the log"),
]


def test_bad_parameters_get_a_400_saying_what_is_wrong(db: Database, client: TestClient) -> None:
    """One store for all the cases (a fresh PostgreSQL database per case would cost more than the checks)."""
    _grow(db, 5)
    for url, params, message in BAD_REQUESTS:
        response = client.get(url, params=params)
        assert response.status_code == 400, (url, params)
        assert response.json()["error"].startswith(message), (url, params, response.json())


def test_proofs_before_any_signed_head_are_a_400(client: TestClient) -> None:
    response = client.get("/api/audit/proof/consistency", params={"first": "0"})
    assert response.status_code == 400
    assert response.json() == {"error": "second: no signed tree head has been issued yet"}


def test_a_damaged_log_is_reported_without_detail(db: Database, client: TestClient) -> None:
    _grow(db, 5)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_leaf WHERE leaf_index = 2")
    response = client.get("/api/audit/proof/inclusion", params={"leaf_index": "0"})
    assert response.status_code == 500
    assert response.json() == {"error": "the audit log failed an integrity check"}


def test_the_application_serves_the_audit_routes(settings: Settings) -> None:
    with TestClient(create_app(settings)) as app_client:
        body = app_client.get("/api/audit/public-key").json()
    assert body["algorithm"] == "Ed25519"
    assert len(base64.b64decode(body["public_key"])) == 32


def test_an_events_leaf_is_found_by_its_id_once_sequenced(db: Database, client: TestClient) -> None:
    _grow(db, 5)
    with db.session() as s:
        (event_id,) = append_events(s, EVENTS[5:6])
    waiting = client.get(f"/api/audit/events/{event_id}/leaf")
    assert waiting.status_code == 409
    assert waiting.json()["error"].startswith(f"event_id: audit event {event_id} is not yet sequenced into the tree")
    sequence_pending(db)
    assert client.get(f"/api/audit/events/{event_id}/leaf").json() == {"event_id": event_id, "leaf_index": 5}
    unknown = client.get(f"/api/audit/events/{event_id + 99}/leaf")
    assert (unknown.status_code, unknown.json()) == (404, {"error": f"event_id: no audit event has id {event_id + 99}"})
    bad = client.get("/api/audit/events/-3/leaf")
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("event_id: must be a whole number")


def _app_with_interval(
    settings: Settings, seconds: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Database, TestClient]:
    monkeypatch.setenv("SDF_AUDIT_SEQUENCE_SECONDS", seconds)
    return Database(settings), TestClient(create_app(settings))


def test_the_application_sequences_and_signs_in_the_background(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, app = _app_with_interval(settings, "0.05", monkeypatch)
    with app as app_client:
        with db.session() as s:
            (event_id,) = append_events(s, EVENTS[:1])
        for _ in range(600):  # a wait, not a timing assertion: the rounds run every 0.05 s
            answer = app_client.get(f"/api/audit/events/{event_id}/leaf")
            head = app_client.get("/api/audit/sth").json()["tree_head"]
            if answer.status_code == 200 and head and head["tree_size"] == 1:
                break
            time.sleep(0.05)
        assert answer.json() == {"event_id": event_id, "leaf_index": 0}
        assert head and head["tree_size"] == 1
    db.dispose()


def test_the_application_sequences_what_is_left_when_it_stops(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, app = _app_with_interval(settings, "3600", monkeypatch)
    with app as app_client:
        with db.session() as s:
            event_ids = append_events(s, EVENTS[:3])
        assert app_client.get(f"/api/audit/events/{event_ids[0]}/leaf").status_code == 409
    with db.session() as s:
        head = latest_tree_head(s)
    assert head is not None and head.tree_size == 3
    db.dispose()


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "1e9", "nan"])
def test_a_bad_sequencing_interval_is_refused_by_name(raw: str) -> None:
    with pytest.raises(UserError, match=f"SDF_AUDIT_SEQUENCE_SECONDS: must be a number of seconds .* not '{raw}'"):
        sequence_interval({"SDF_AUDIT_SEQUENCE_SECONDS": raw})
    assert sequence_interval({}) == 1.0
