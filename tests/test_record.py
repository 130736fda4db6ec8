"""The shared care record through its service and pages: every source with provenance, filters, notes for the care
team, and the attacks (no relationship, guessed ids, expired break glass, sealed items by id, script in a note)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from socialdata.access import AccessDenied, ItemRef
from socialdata.api import create_app
from socialdata.cli import app as cli
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.users import set_password
from socialdata.record import CareRecord, TimelineFilter
from socialdata.store import Database
from socialdata.store.models import AccessGrant, AuditEventRecord, EntryKind, RecordEntry
from test_access_world import ALICE, BOB, GUESSED, NOW, World, build_world, days

PASSWORD = "record test password"
SCRIPT_NOTE = "<script>alert('note')</script> Seen at home, eating well."


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _record(world: World) -> CareRecord:
    return CareRecord(world.db, clock=lambda: world.clock_at[0])


def _entries(world: World) -> int:
    with world.db.session() as s:
        return s.scalar(select(func.count()).select_from(RecordEntry)) or 0


@pytest.fixture
def browser_like(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _sign_in(client: TestClient, world: World, username: str) -> str:
    set_password(world.db, username, PASSWORD)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    page = client.get("/record").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    return csrf.group(1)


def test_the_record_joins_every_source_and_says_where_each_item_came_from(world: World) -> None:
    view = _record(world).open(world.actors["gp1"], ALICE)
    sources = {item.provenance.organisation_id for item in view.timeline}
    assert sources == {"Y90001", "RZZ", "LA900"}
    for item in view.timeline:
        assert item.provenance.submission_file == f"{item.provenance.organisation_id}.csv"
        assert item.provenance.loaded_at is not None and item.provenance.source_id
    # The source's own restriction flag and the chlamydia diagnosis (sexual health) are not for a GP's nurse.
    nurse = _record(world).open(world.actors["pnurse1"], ALICE)
    assert nurse.withheld > view.withheld >= 1
    assert {i.ref.item_id for i in nurse.timeline} < {i.ref.item_id for i in view.timeline}
    assert view.basis.kind.value == "registered_gp"
    assert view.person.nhs_number == "9990000018"
    assert view.summary.care_package is not None and view.summary.social_worker == "ben carter"
    assert any("In hospital now" in alert for alert in view.summary.alerts)
    assert [line.title for line in view.summary.problems] == [
        "a-hypertension",
        "a-sealed-by-alice",
        "a-depression",
        "a-chlamydia",
    ]


def test_the_timeline_filters_by_date_source_and_type(world: World) -> None:
    record = _record(world)
    gp = world.actors["gp1"]
    everything = record.open(gp, ALICE).timeline
    conditions = record.open(gp, ALICE, TimelineFilter.parse(kind="condition")).timeline
    assert conditions and all(i.kind == "condition" for i in conditions)
    assert len(conditions) == sum(1 for i in everything if i.kind == "condition")
    trust = record.open(gp, ALICE, TimelineFilter.parse(organisation="RZZ")).timeline
    assert trust and {i.provenance.organisation_id for i in trust} == {"RZZ"}
    start, end = (NOW - days(65)).date(), (NOW - days(5)).date()
    window = record.open(gp, ALICE, TimelineFilter.parse(date_from=str(start), date_to=str(end))).timeline
    assert [i.title for i in window] == ["a-service", "a-safeguarding"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"date_from": "31/12/2024"}, "from"),
        ({"date_to": "tomorrow"}, "to"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "from"),
        ({"kind": "gossip"}, "type"),
    ],
)
def test_a_filter_a_person_cannot_mean_is_refused_with_the_field_named(fields: dict[str, str], where: str) -> None:
    with pytest.raises(UserError) as refused:
        TimelineFilter.parse(**fields)
    assert refused.value.where == where


def test_a_note_is_seen_by_the_rest_of_the_care_team_with_its_author(world: World) -> None:
    record = _record(world)
    entry_id = record.add_entry(world.actors["gp1"], ALICE, EntryKind.NOTE, "Reviewed blood pressure.")
    record.add_entry(world.actors["doc"], ALICE, EntryKind.CARE_PLAN, "Discharge home with twice-daily visits.")
    for username in ("doc", "nurse", "gp1"):
        view = record.open(world.actors[username], ALICE)
        notes = [i for i in view.timeline if i.kind == "note"]
        assert [(n.title, n.provenance.author, n.provenance.organisation_id) for n in notes] == [
            ("Reviewed blood pressure.", "Gp1", "Y90001")
        ]
        assert [e.text for e in view.summary.care_plan] == ["Discharge home with twice-daily visits."]
    written = [r for r in world.audit_rows() if r.entity_type == "note"]
    assert [(r.entity_id, r.username, r.action) for r in written] == [(str(entry_id), "gp1", "C")]


@pytest.mark.parametrize(("text", "where"), [("   \n ", "text"), ("x" * 10_001, "text"), ("nul \x00 byte", "text")])
def test_an_entry_that_cannot_be_stored_is_refused_and_nothing_is_written(world: World, text: str, where: str) -> None:
    audited = world.audit_count()
    with pytest.raises(UserError) as refused:
        _record(world).add_entry(world.actors["gp1"], ALICE, EntryKind.NOTE, text)
    assert refused.value.where == where
    assert _entries(world) == 0 and world.audit_count() == audited


def test_another_organisations_user_without_a_relationship_is_refused_and_audited(
    world: World, browser_like: TestClient
) -> None:
    with pytest.raises(AccessDenied):
        _record(world).open(world.actors["gp2"], ALICE)
    with pytest.raises(AccessDenied):
        _record(world).add_entry(world.actors["gp2"], ALICE, EntryKind.NOTE, "Trying to write.")
    _sign_in(browser_like, world, "gp2")
    page = browser_like.get(f"/record/{ALICE}")
    assert page.status_code == 403 and "Smith" not in page.text and "Break glass" in page.text
    refusals = [r for r in world.audit_rows() if r.username == "gp2" and r.outcome != 0]
    assert len(refusals) == 3 and {r.patient_id for r in refusals} == {ALICE}
    assert _entries(world) == 0


def test_a_guessed_person_id_gets_the_same_page_as_a_person_without_relationship(
    world: World, browser_like: TestClient
) -> None:
    _sign_in(browser_like, world, "gp2")
    real = browser_like.get(f"/record/{ALICE}")
    guessed = browser_like.get(f"/record/{GUESSED}")
    assert (real.status_code, guessed.status_code) == (403, 403)
    assert real.text.replace(ALICE, "ID") == guessed.text.replace(GUESSED, "ID")
    attempts = [r for r in world.audit_rows() if r.username == "gp2" and r.patient_id == GUESSED]
    assert len(attempts) == 1 and attempts[0].outcome != 0


def test_break_glass_opens_the_record_until_it_expires(world: World) -> None:
    gp2 = world.actors["gp2"]
    record = _record(world)
    basis = world.gate().break_glass(gp2, ALICE, "Collapsed in the surgery car park, no history.")
    assert record.open(gp2, ALICE).basis.expires_at == basis.expires_at
    world.set_clock(NOW + days(1))
    with pytest.raises(AccessDenied):
        record.open(gp2, ALICE)
    assert world.audit_rows()[-1].outcome != 0


def test_a_sealed_item_asked_for_by_id_is_refused_like_a_missing_one(world: World, browser_like: TestClient) -> None:
    record = _record(world)
    gp = world.actors["gp1"]
    sealed = world.events["a-restricted"]
    bobs = world.events["b-admission"]
    refused = []
    for path in (f"source_event/{sealed}", f"source_event/{bobs}", "source_event/999999", "record_entry/5"):
        kind, item_id = path.split("/")
        with pytest.raises(AccessDenied) as denied:
            record.item(gp, ALICE, ItemRef(kind, int(item_id)))
        refused.append(str(denied.value))
    assert len(set(refused)) == 1
    assert record.item(gp, ALICE, ItemRef("source_event", world.events["a-hypertension"])).title == "a-hypertension"
    _sign_in(browser_like, world, "gp1")
    page = browser_like.get(f"/record/{ALICE}/items/source_event/{sealed}")
    assert page.status_code == 403 and "271649006" not in page.text
    sealed_refusals = [r for r in world.audit_rows() if r.entity_id == str(sealed) and r.outcome != 0]
    assert len(sealed_refusals) == 2


def test_a_note_with_script_tags_is_stored_verbatim_and_shown_as_text(world: World, browser_like: TestClient) -> None:
    csrf = _sign_in(browser_like, world, "gp1")
    added = browser_like.post(
        f"/record/{ALICE}/entries", data={"kind": "note", "text": SCRIPT_NOTE, "csrf_token": csrf}
    )
    assert added.status_code == 200 and 'id="added"' in added.text
    with world.db.session() as s:
        assert s.scalars(select(RecordEntry.text)).one() == SCRIPT_NOTE
    assert "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt; Seen at home" in added.text
    assert "<script>alert('note')</script>" not in added.text


def test_a_forged_audit_row_for_a_note_is_caught_by_sdf_audit_verify(world: World, cli_env: dict[str, str]) -> None:
    entry_id = _record(world).add_entry(world.actors["gp1"], ALICE, EntryKind.NOTE, "Visited, all well.")
    runner = CliRunner()
    assert runner.invoke(cli, ["audit", "head"], env=cli_env).exit_code == 0  # sequence and sign what is there
    assert runner.invoke(cli, ["audit", "verify"], env=cli_env).exit_code == 0
    with world.db.session() as s:
        forged = s.execute(
            update(AuditEventRecord)
            .where(AuditEventRecord.entity_type == "note", AuditEventRecord.entity_id == str(entry_id))
            .values(username="gp2")
        )
        assert forged.rowcount == 1
    caught = runner.invoke(cli, ["audit", "verify"], env=cli_env)
    assert caught.exit_code == 1


def test_roles_outside_direct_care_may_not_open_a_record(world: World) -> None:
    for username in ("po", "admin", "researcher", "steward"):
        with pytest.raises(AccessDenied):
            _record(world).open(world.actors[username], ALICE)


def test_an_entry_written_before_the_index_merged_two_ids_stays_on_the_record(world: World) -> None:
    with world.db.session() as s:
        author = world.actors["sw"]
        s.add(
            RecordEntry(
                person_id="PBOBOLD000001",
                kind=EntryKind.NOTE,
                text="Written under the old id.",
                author_user_id=author.user_id,
                author_name="Sw",
                author_role="social_worker",
                organisation_id="LA900",
                basis="allocated_worker",
                created_at=NOW - days(10),
            )
        )
    view = _record(world).open(world.actors["sw2"], BOB)
    assert [i.title for i in view.timeline if i.kind == "note"] == ["Written under the old id."]


@pytest.mark.parametrize("path", ["/record/%00", "/record/P%27%3B--", "/record/x%00y/items/source_event/1"])
def test_a_person_id_that_cannot_be_one_is_refused_before_the_gate(
    world: World, browser_like: TestClient, path: str
) -> None:
    _sign_in(browser_like, world, "gp1")
    audited = world.audit_count()
    answer = browser_like.get(path)
    assert answer.status_code == 404 and "is not a person id" in answer.text
    assert world.audit_count() == audited


@pytest.mark.parametrize(("reason", "shown"), [("too short", "at least 10"), ("a NUL \x00 in the reason", "NUL")])
def test_break_glass_without_a_proper_reason_is_refused_and_nothing_is_granted(
    world: World, browser_like: TestClient, reason: str, shown: str
) -> None:
    csrf = _sign_in(browser_like, world, "gp2")
    audited = world.audit_count()
    answer = browser_like.post(f"/record/{ALICE}/break-glass", data={"reason": reason, "csrf_token": csrf})
    assert answer.status_code == 400 and shown in answer.text
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessGrant)) == 0
    assert world.audit_count() == audited
