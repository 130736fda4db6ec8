"""The Foundation at a glance and the quarantine list: aggregates shown, names escaped, no person data on the page."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from socialdata.api import create_app
from socialdata.api.secret_key import load_secret_key
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
    BedState,
    FeedSubmission,
    Organisation,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
)

HOSTILE_ORG = "<script>alert('org')</script> Trust"
HOSTILE_FILE = '"><img src=x onerror=alert(1)>.csv'
RAW_PERSON = "Zebedee Quarantinedperson 9990000018"
LOADED_AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def seed_city(db: Database) -> None:
    """A small store as the loaders leave it: two partners, three submissions, people, events, quarantine."""
    with db.session() as s:
        s.add_all(
            [
                Organisation(id="RZZ", name="Avonford Hospitals NHS Foundation Trust", kind="hospital_trust"),
                Organisation(id="LA900", name=HOSTILE_ORG, kind="council"),
                Organisation(id="UNI01", name="University of Avonford", kind="university"),
            ]
        )
        s.flush()
        bundle = FeedSubmission(
            organisation_id="RZZ", file_name="bundle-0001.json", content_sha256="a" * 64, size_bytes=10,
            format="fhir-bundle", status="loaded", loaded_at=LOADED_AT, records_loaded=5, records_quarantined=1,
        )  # fmt: skip
        beds = FeedSubmission(
            organisation_id="RZZ", file_name="bed_state.csv", content_sha256="b" * 64, size_bytes=10,
            format="bed_state", status="loaded", loaded_at=LOADED_AT, records_loaded=2, records_quarantined=0,
        )  # fmt: skip
        council = FeedSubmission(
            organisation_id="LA900", file_name=HOSTILE_FILE, content_sha256="c" * 64, size_bytes=10,
            format="asc_cld", status="rejected", records_loaded=0, records_quarantined=0, message="bad header",
        )  # fmt: skip
        s.add_all([bundle, beds, council])
        s.flush()
        for n in range(2):
            s.add(
                SourcePerson(
                    organisation_id="RZZ", submission_id=bundle.id, source_id=f"P{n}", nhs_number_status="valid",
                    nhs_number=f"999000001{n}", given_name="Visible", family_name=f"Personname{n}",
                )
            )  # fmt: skip
        for n, kind in enumerate(["encounter", "encounter", "condition"]):
            s.add(
                SourceEvent(
                    organisation_id="RZZ", submission_id=bundle.id, source_id=f"E{n}", person_source_id="P0", kind=kind
                )
            )
        for n in range(2):
            s.add(
                BedState(
                    organisation_id="RZZ", submission_id=beds.id, source_id=f"B{n}", ward=f"Ward {n}",
                    day=dt.date(2026, 11, 22), beds_open=20, beds_occupied=18,
                )
            )  # fmt: skip
        s.add(
            QuarantineItem(
                organisation_id="RZZ", submission_id=bundle.id, file_name="bundle-0001.json", location="entry 7",
                field="Patient.birthDate", message="birth date 2031-02-30 is not a real date", raw=RAW_PERSON,
            )
        )  # fmt: skip


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


STEWARD_PASSWORD = "steward demo password"


def _as_steward(db: Database, client: TestClient) -> TestClient:
    """Quarantine messages can quote a received value, so the list is for stewards (and the gate audits it)."""
    create_user(db, "owen", STEWARD_PASSWORD, Role.DATA_STEWARD, display_name="Owen James", organisation_id=None)
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"csrf_token": token, "username": "owen", "password": STEWARD_PASSWORD})
    assert answer.status_code == 200
    return client


def test_an_empty_store_says_so(db: Database, client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "No partner organisations are registered yet" in page.text
    assert "Nothing is in quarantine" in _as_steward(db, client).get("/quarantine").text


def test_home_shows_partners_submissions_counts_and_quarantine(db: Database, client: TestClient) -> None:
    seed_city(db)
    page = client.get("/").text
    for shown in ("Avonford Hospitals NHS Foundation Trust", "hospital trust", "University of Avonford", "university"):
        assert shown in page
    assert "bundle-0001.json" in page and "bed_state.csv" in page
    assert "2026-11-23 09:30 UTC" in page
    assert 'tag--red">rejected' in page
    # records by partner: 2 people, 2 encounters, 1 condition, 2 bed states for the trust
    trust_row = page[page.index('<table class="table" id="records">') :]
    trust_row = trust_row[trust_row.index("Avonford Hospitals NHS Foundation Trust") :].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in trust_row.split("</td>")[:-1]] == ["2", "1", "2", "2", "0", "0"]
    assert "?org=RZZ" in page


def test_names_from_partners_are_escaped(db: Database, client: TestClient) -> None:
    seed_city(db)
    page = client.get("/").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;org&#39;)&lt;/script&gt; Trust" in page
    assert "<img src=x" not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.csv" in page


def test_no_person_data_on_the_pages(db: Database, client: TestClient) -> None:
    seed_city(db)
    pages = client.get("/").text + _as_steward(db, client).get("/quarantine").text
    for secret in ("Personname", "9990000010", "Zebedee", "9990000018"):
        assert secret not in pages


def test_quarantine_lists_where_and_why(db: Database, client: TestClient) -> None:
    seed_city(db)
    page = _as_steward(db, client).get("/quarantine").text
    for shown in ("bundle-0001.json", "entry 7", "Patient.birthDate", "birth date 2031-02-30 is not a real date"):
        assert shown in page
    assert "1 item waiting" in page
    assert "Nothing is in quarantine" in client.get("/quarantine", params={"org": "LA900"}).text


def test_the_quarantine_list_is_behind_the_gate_and_every_look_is_audited(db: Database, settings: Settings) -> None:
    seed_city(db)
    create_user(db, "amara", STEWARD_PASSWORD, Role.CLINICIAN, display_name="Dr Amara", organisation_id="RZZ")
    with TestClient(create_app(settings), follow_redirects=False) as anonymous:
        answer = anonymous.get("/quarantine")
        assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/quarantine"
    with TestClient(create_app(settings)) as clinician:
        token = clinician.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        clinician.post("/login", data={"csrf_token": token, "username": "amara", "password": STEWARD_PASSWORD})
        refused = clinician.get("/quarantine")
        assert refused.status_code == 403
        assert "2031-02-30" not in refused.text and "data stewards, privacy officers and administrators" in refused.text
    with TestClient(create_app(settings)) as steward:
        assert "2031-02-30" in _as_steward(db, steward).get("/quarantine").text
    with db.session() as s:
        looks = s.execute(
            select(AuditEventRecord.username, AuditEventRecord.outcome).where(
                AuditEventRecord.entity_type == "QuarantineList"
            )
        ).all()
    assert sorted(looks) == [("amara", 4), ("owen", 0)]


def test_quarantine_pages_through_many_items(db: Database, client: TestClient) -> None:
    seed_city(db)
    with db.session() as s:
        bundle = s.scalars(select(FeedSubmission.id).where(FeedSubmission.file_name == "bundle-0001.json")).one()
        for n in range(150):
            s.add(
                QuarantineItem(
                    organisation_id="RZZ", submission_id=bundle, file_name="many.csv", location=f"row {n + 2}",
                    field="NHS_Number", message="not ten digits",
                )
            )  # fmt: skip
    first = _as_steward(db, client).get("/quarantine", params={"org": "RZZ"}).text
    assert "151 items waiting; page 1 of 2" in first
    assert "row 151" in first and "row 2<" not in first
    second = client.get("/quarantine", params={"org": "RZZ", "page": 2}).text
    assert "row 2<" in second and "entry 7" in second
    assert 'rel="prev"' in second and "org=RZZ" in second


def test_pages_are_self_contained_and_send_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    assert 'href="#maincontent"' in page.text and 'id="maincontent"' in page.text
    assert "cdn" not in page.text.lower() and "<script" not in page.text
    css = client.get("/static/sdf.css")
    assert css.status_code == 200 and "#005eb8" in css.text
    assert client.get("/docs").status_code == 404


def test_healthz_reports_a_ready_store(client: TestClient, db: Database) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": db.dialect, "schema_ready": True}


def test_healthz_reports_a_store_without_schema(tmp_path: Path) -> None:
    bare = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path}/empty.db")
    with TestClient(create_app(bare)) as test_client:
        answer = test_client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["schema_ready"] is False


def test_session_key_is_generated_once_and_private(settings: Settings) -> None:
    key = load_secret_key(settings, env={})
    path = settings.home / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(settings, env={}) == key
    assert load_secret_key(settings, env={"SDF_SECRET_KEY": "k" * 40}) == "k" * 40
    with pytest.raises(UserError, match="at least 32"):
        load_secret_key(settings, env={"SDF_SECRET_KEY": "short"})
