"""The steward's linkage pages: only reviewers get in, they see the pair and why, and their decisions are audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.governance.users import Role, create_user
from socialdata.linkage.mpi import LinkOutcome, persist_run
from socialdata.linkage.records import FieldWeight, ScoredPair
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
    FeedSubmission,
    Organisation,
    PairDecision,
    PersonLink,
    ReviewItem,
    SourcePerson,
)
from socialdata.store.types import utcnow

PASSWORD = "a long demo password"


def seed_review_item(db: Database) -> int:
    """Two records of one trust, each its own person, with their pair waiting for review; returns the item's id."""
    with db.session() as s:
        for code, name, kind in (
            ("RZZ", "Avonford Hospitals", "hospital_trust"),
            ("SDF", "The Foundation", "foundation"),
        ):
            if s.get(Organisation, code) is None:
                s.add(Organisation(id=code, name=name, kind=kind))
        s.flush()
        sub = FeedSubmission(
            organisation_id="RZZ",
            file_name="b.json",
            content_sha256="1" * 64,
            size_bytes=1,
            format="fhir",
            status="loaded",
        )
        s.add(sub)
        s.flush()
        a, b = (
            SourcePerson(
                organisation_id="RZZ",
                submission_id=sub.id,
                source_id=source_id,
                nhs_number="9990000018",
                nhs_number_status="valid",
                given_name=given,
                family_name="O'<b>Neil</b>",
                birth_date=dt.date(1961, 3, 4),
                postcode="BS1 4AA",
            )
            for source_id, given in (("p1", "JONATHAN"), ("p2", "JON"))
        )
        s.add_all([a, b])
        s.flush()
        pair = ScoredPair(
            a.id,
            b.id,
            2.5,
            0.85,
            "family_name+birth_date",
            (
                FieldWeight("given_name", "nickname", "JONATHAN", "JON", 3.25),
                FieldWeight("postcode", "exact", "BS1 4AA", "BS1 4AA", -0.75),
            ),
        )
        persist_run(s, LinkOutcome(clusters={a.id: 1, b.id: 2}, links=(), review=(pair,)), started_at=utcnow())
        return s.scalars(select(ReviewItem.id)).one()


@pytest.fixture
def item_id(db: Database) -> int:
    return seed_review_item(db)


@pytest.fixture
def client(settings: Settings, db: Database, item_id: int) -> Iterator[TestClient]:
    create_user(db, "owen", PASSWORD, Role.DATA_STEWARD, display_name="Owen James", organisation_id="SDF")
    create_user(db, "amara", PASSWORD, Role.CLINICIAN, display_name="Dr Amara Okafor", organisation_id="RZZ")
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"{path} carries no CSRF token"
    return found.group(1)


def _login(client: TestClient, username: str) -> None:
    answer = client.post(
        "/login", data={"csrf_token": _token(client, "/login"), "username": username, "password": PASSWORD}
    )
    assert answer.status_code == 303


def _audit_count(db: Database, **where: str) -> int:
    with db.session() as s:
        query = select(func.count()).select_from(AuditEventRecord)
        for name, value in where.items():
            query = query.where(getattr(AuditEventRecord, name) == value)
        return s.scalar(query) or 0


def test_anyone_not_signed_in_is_sent_to_log_in(client: TestClient, item_id: int) -> None:
    for path in ("/linkage", f"/linkage/review/{item_id}"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"


def test_a_clinician_is_refused_sees_no_identifiers_and_the_attempt_is_audited(
    client: TestClient, db: Database, item_id: int
) -> None:
    _login(client, "amara")
    assert ">Linkage review</a>" not in client.get("/").text
    for path in ("/linkage", f"/linkage/review/{item_id}"):
        answer = client.get(path)
        assert answer.status_code == 403
        assert "JONATHAN" not in answer.text and "9990000018" not in answer.text
    token = _token(client, "/")
    answer = client.post(f"/linkage/review/{item_id}", data={"csrf_token": token, "decision": "match"})
    assert answer.status_code == 403
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PairDecision)) == 0
        attempts = s.execute(
            select(AuditEventRecord.entity_type, AuditEventRecord.outcome, AuditEventRecord.patient_id).where(
                AuditEventRecord.username == "amara"
            )
        ).all()
    # the look at the queue, at the item and the attempted decision: each refused, and audited
    assert sorted(attempts) == [("LinkageReviewQueue", 4, None), ("ReviewItem", 4, None), ("ReviewItem", 4, None)]


def test_a_steward_sees_the_pair_side_by_side_with_the_weights_and_the_view_is_audited(
    client: TestClient, db: Database, item_id: int
) -> None:
    _login(client, "owen")
    assert ">Linkage review</a>" in client.get("/").text
    queue = client.get("/linkage")
    assert queue.status_code == 200
    assert f'/linkage/review/{item_id}"' in queue.text
    assert "Persons in the index" in queue.text
    page = client.get(f"/linkage/review/{item_id}")
    assert page.status_code == 200
    text = page.text
    assert "JONATHAN" in text and "JON" in text and "9990000018" in text
    assert "O&#39;&lt;b&gt;Neil&lt;/b&gt;" in text  # escaped, never markup
    assert "nickname" in text and "+3.25" in text and "-0.75" in text and "+2.50" in text
    with db.session() as s:
        persons = set(s.scalars(select(PersonLink.person_id)))
        reads = set(
            s.scalars(
                select(AuditEventRecord.patient_id).where(
                    AuditEventRecord.entity_type == "review_item", AuditEventRecord.username == "owen"
                )
            )
        )
    assert reads == persons and len(persons) == 2


def test_a_steward_decides_with_the_form_and_the_decision_is_stored_and_audited(
    client: TestClient, db: Database, item_id: int
) -> None:
    _login(client, "owen")
    token = _token(client, f"/linkage/review/{item_id}")
    answer = client.post(
        f"/linkage/review/{item_id}", data={"csrf_token": token, "decision": "non_match", "note": "twins"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/linkage?decided={item_id}"
    with db.session() as s:
        decision = s.scalars(select(PairDecision)).one()
    assert (decision.decision, decision.decided_by, decision.note) == ("non_match", "owen", "twins")
    assert _audit_count(db, entity_type="match_decision", username="owen", action="C") == 2
    assert f"Review item {item_id} is decided" in client.get(f"/linkage?decided={item_id}").text


@pytest.mark.parametrize(
    ("data", "status", "shown"),
    [
        ({"decision": "maybe"}, 400, "unknown decision"),
        ({"decision": "match", "note": "x" * 2001}, 400, "the note has 2001 characters"),
        ({"decision": "match", "csrf_token": "forged"}, 403, "This form has expired"),
    ],
)
def test_a_bad_or_forged_decision_is_refused_and_nothing_is_written(
    client: TestClient, db: Database, item_id: int, data: dict[str, str], status: int, shown: str
) -> None:
    _login(client, "owen")
    form = {"csrf_token": _token(client, f"/linkage/review/{item_id}"), **data}
    answer = client.post(f"/linkage/review/{item_id}", data=form)
    assert answer.status_code == status
    assert shown in answer.text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PairDecision)) == 0
    assert _audit_count(db, entity_type="match_decision") == 0


def test_an_unknown_item_is_a_clear_not_found(client: TestClient) -> None:
    _login(client, "owen")
    answer = client.get("/linkage/review/999999")
    assert answer.status_code == 404
    assert "There is no review item 999999" in answer.text
    token = _token(client, "/linkage")
    answer = client.post("/linkage/review/999999", data={"csrf_token": token, "decision": "match"})
    assert answer.status_code == 404
