"""A node's answers over a small synthetic city, on every backend: aggregates only, small counts suppressed at the
node, signatures covering every field; the registry refuses bad entries; federated counts add up what was sent."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.feeds import ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.linkage.service import run_linkage
from socialdata.operations import Breakdown, Measure, NodeConfig, NodeEntry, NodeFlag, Reply, combine
from socialdata.operations.hub import new_request_id
from socialdata.operations.node import answer
from socialdata.operations.questions import Ask, CountAnswer, CountCell, Envelope, Question
from socialdata.operations.registry import register_node, registered_nodes
from socialdata.operations.signing import parse_public_key, public_key_text, signature_holds
from socialdata.store import Database
from socialdata.store.models import Person, SourcePerson
from socialdata.synth import write_city

MIN_CELL = 10


@pytest.fixture
def city(db: Database, settings: Settings) -> Database:
    manifest = write_city(settings.home / "city", people=300, seed=11)
    for org in manifest.organisations:
        register_organisation(db, org.code, org.name, org.kind)
        for name in org.files:
            ingest_path(db, Path(settings.home / "city" / name), org.code)
    run_linkage(db)
    return db


def _ask(question: Question, measure: Measure | None = None, by: Breakdown = Breakdown.NONE) -> Ask:
    return Ask(question=question, request_id=new_request_id(), measure=measure, by=by)


def _answers(db: Database, min_cell: int) -> list[dict[str, Any]]:
    """Everything the trust's, the council's and the Foundation's nodes would send: pictures and every count."""
    sent = []
    for org, index in (("RZZ", False), ("LA900", False), ("SDF", True)):
        config = NodeConfig(org, org, Ed25519PrivateKey.generate(), person_index=index, min_cell_count=min_cell)
        sent.append(answer(db, config, _ask(Question.PICTURE)))
        for measure in Measure:
            for by in Breakdown:
                sent.append(answer(db, config, _ask(Question.COUNT, measure, by)))
    return sent


def _counts(sent: list[dict[str, Any]]) -> list[int | None]:
    found: list[int | None] = []
    for envelope in sent:
        body = envelope["body"]
        answers = body.get("discharges", [body]) if "discharges" in body else [body]
        for count_answer in answers:
            found.extend(cell["count"] for cell in count_answer.get("cells", []))
    return found


def test_small_counts_never_leave_a_node_and_no_person_level_value_does(city: Database) -> None:
    sent = _answers(city, MIN_CELL)
    counts = _counts(sent)
    assert all(c is None or c == 0 or c >= MIN_CELL for c in counts)
    assert None in counts  # something was suppressed...
    unsuppressed = _counts(_answers(city, 1))
    assert any(c is not None and 0 < c < MIN_CELL for c in unsuppressed)  # ...because the true counts are small

    text = json.dumps(sent)
    with city.session() as session:
        numbers = {n for n in session.scalars(select(SourcePerson.nhs_number)) if n}
        people = set(session.scalars(select(Person.id)))
        patients = set(session.scalars(select(SourcePerson.source_id).where(SourcePerson.organisation_id == "RZZ")))
    assert numbers and people and patients
    assert not [n for n in numbers if n in text]
    assert not [p for p in people if p in text]
    assert not [f'"{p}"' for p in patients if f'"{p}"' in text]


def test_the_picture_holds_beds_care_homes_and_supplies_of_the_node_s_own_organisation(city: Database) -> None:
    trust = NodeConfig("RZZ", "RZZ", Ed25519PrivateKey.generate())
    body = answer(city, trust, _ask(Question.PICTURE))["body"]
    assert body["beds"] and body["supplies"] and body["care_homes"] == []
    assert {row["group"] for row in body["beds"]} == {"general_acute", "critical_care", "other"}
    council = NodeConfig("LA900", "LA900", Ed25519PrivateKey.generate())
    body = answer(city, council, _ask(Question.PICTURE))["body"]
    assert body["care_homes"] and body["beds"] == [] and body["supplies"] == []


def test_the_signature_covers_every_field_of_the_answer(city: Database) -> None:
    key = Ed25519PrivateKey.generate()
    envelope = Envelope.model_validate(answer(city, NodeConfig("RZZ", "RZZ", key), _ask(Question.PICTURE)))
    public = parse_public_key(public_key_text(key), "test")
    assert signature_holds(public, envelope.signed_part(), envelope.signature)
    for field, value in (("request_id", new_request_id()), ("answered_at", time.time() + 1), ("node_id", "LA900")):
        tampered = {**envelope.signed_part(), field: value}
        assert not signature_holds(public, tampered, envelope.signature)
    other = parse_public_key(public_key_text(Ed25519PrivateKey.generate()), "test")
    assert not signature_holds(other, envelope.signed_part(), envelope.signature)


def test_the_registry_refuses_bad_nodes_and_keeps_good_ones(db: Database) -> None:
    register_organisation(db, "RZZ", "Avonford Hospitals NHS Foundation Trust", "hospital_trust")
    key = public_key_text(Ed25519PrivateKey.generate())
    with pytest.raises(UserError, match="http"):
        register_node(db, "RZZ", "RZZ", "ftp://node", key)
    with pytest.raises(UserError, match="public key"):
        register_node(db, "RZZ", "RZZ", "http://127.0.0.1:9001", "not a key")
    with pytest.raises(UserError, match="no such organisation"):
        register_node(db, "X1", "NOPE", "http://127.0.0.1:9001", key)
    with pytest.raises(UserError, match="node id"):
        register_node(db, "bad id!", "RZZ", "http://127.0.0.1:9001", key)
    assert registered_nodes(db) == []
    register_node(db, "RZZ", "RZZ", "http://127.0.0.1:9001", key)
    register_node(db, "RZZ", "RZZ", "http://127.0.0.1:9002", key)  # moved: registered again
    assert registered_nodes(db) == [NodeEntry("RZZ", "RZZ", "http://127.0.0.1:9002", key)]


def _reply(node_id: str, cells: list[tuple[str, int | None]], flag: NodeFlag = NodeFlag.OK) -> Reply:
    entry = NodeEntry(node_id, node_id, f"http://{node_id}", "")
    body = CountAnswer(
        measure=Measure.INPATIENTS,
        by=Breakdown.AGE_BAND,
        held=True,
        min_cell_count=MIN_CELL,
        cells=[CountCell(group=g, count=c) for g, c in cells],
    )
    ok = flag is NodeFlag.OK
    return Reply(entry, flag, "answered" if ok else "down", 0.01, dt.datetime.now(dt.UTC), body if ok else None)


def test_a_federated_count_adds_what_nodes_sent_and_says_where_a_cell_was_suppressed() -> None:
    replies = [
        _reply("A", [("65-79", 12), ("80+", None)]),
        _reply("B", [("65-79", 30), ("80+", 15)]),
        _reply("C", [("65-79", 99)], NodeFlag.TIMEOUT),
    ]
    result = combine(Measure.INPATIENTS, Breakdown.AGE_BAND, replies)
    cells = {cell.group: cell for cell in result.cells}
    assert cells["65-79"].text == "42"
    assert cells["80+"].text == "at least 15" and cells["80+"].suppressed_at == ("A",)
    assert result.answered == ("A", "B")
    assert [(node, flag) for node, flag, _ in result.excluded] == [("C", NodeFlag.TIMEOUT)]


def test_a_node_refuses_questions_outside_its_list(city: Database) -> None:
    from fastapi.testclient import TestClient

    from socialdata.operations import node_app

    config = NodeConfig("RZZ", "RZZ", Ed25519PrivateKey.generate())
    with TestClient(node_app(city, config)) as client:
        for body in (
            {"question": "rows", "request_id": new_request_id()},
            {"question": "count", "request_id": new_request_id()},  # a count names its measure
            {"question": "count", "request_id": new_request_id(), "measure": "nhs_numbers"},
            {"question": "picture", "request_id": "not-a-nonce"},
            {"question": "picture", "request_id": new_request_id(), "sql": "SELECT * FROM source_person"},
        ):
            assert client.post("/ask", json=body).status_code == 422, body
        good = client.post("/ask", json={"question": "picture", "request_id": new_request_id()})
        assert good.status_code == 200 and Envelope.model_validate(good.json()).node_id == "RZZ"
