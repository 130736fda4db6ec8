"""Project extracts: only the approved fields, the population minus opt-outs, per-project pseudonyms that no two
extracts share, coarsened dates, membership recorded for the citizen, and every build through the gate."""

from __future__ import annotations

import stat

import duckdb
import pytest
from sqlalchemy import select

from socialdata.access import AccessDenied
from socialdata.sde.extracts import build_extract
from socialdata.sde.paths import keys_dir
from socialdata.sde.pseudonyms import project_key, pseudonymise
from socialdata.sde.retention import delete_closed_extracts
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, ExtractMember, Project, ProjectExtract
from test_sde_extract_world import PEOPLE, SdeWorld, build_sde_world, person_id


@pytest.fixture
def world(db: Database) -> SdeWorld:
    return build_sde_world(db)


def _rows(path: str, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql).fetchall()


def _tables(path: str) -> dict[str, list[str]]:
    rows = _rows(
        path, "SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position"
    )
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(str(table), []).append(str(column))
    return tables


def _every_text_value(path: str) -> set[str]:
    values: set[str] = set()
    for table, columns in _tables(path).items():
        for column in columns:
            values.update(str(v) for (v,) in _rows(path, f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {table}'))
    return values


def _set_project(world: SdeWorld, project_id: int, **fields: object) -> None:
    with world.db.session() as s:
        project = s.get(Project, project_id)
        assert project is not None
        for name, value in fields.items():
            setattr(project, name, value)


def test_an_extract_holds_the_approved_tables_pseudonymised_with_no_identifier(world: SdeWorld) -> None:
    summary = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    path = str(summary.path)
    assert summary.people == PEOPLE and summary.opted_out_excluded == 0
    assert stat.S_IMODE(summary.path.stat().st_mode) == 0o440
    tables = _tables(path)
    assert set(tables) == {"patients", "clinical_events", "medications", "hospital_admissions", "care_packages"}
    assert all(columns[0] == "patient_id" for columns in tables.values())
    assert summary.rows["patients"] == PEOPLE
    assert summary.rows["hospital_admissions"] == PEOPLE // 2
    values = _every_text_value(path)
    assert not [v for v in values if v.startswith("PSDE") or v.startswith("999") or "Given" in v or "AB" in v]
    admissions = _rows(path, "SELECT DISTINCT admission_method, primary_diagnosis FROM hospital_admissions")
    assert admissions == [("emergency", "I21")]
    assert _rows(path, "SELECT DISTINCT event_type, service_type, weekly_cost FROM care_packages") == [
        ("service", "Home care", 250.0)
    ]
    assert _rows(
        path, "SELECT count(DISTINCT patient_id), min(imd_decile) >= 1, max(imd_decile) <= 10 FROM patients"
    ) == [(PEOPLE, True, True)]
    assert world.count(ExtractMember, ExtractMember.extract_id == summary.extract_id) == PEOPLE


def test_a_project_gets_only_the_fields_it_was_approved_for(world: SdeWorld) -> None:
    summary = build_extract(world.db, world.actors["res1"], world.project_b, gate=world.gate())
    assert _tables(str(summary.path)) == {
        "patients": ["patient_id", "sex", "imd_decile"],
        "hospital_admissions": ["patient_id", "admission_date"],
    }


def test_rebuilding_after_an_opt_out_drops_that_person(world: SdeWorld) -> None:
    first = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    leaver = person_id(4)
    (pseudonym,) = pseudonymise(project_key(world.db.settings, world.project_a), [leaver])
    assert _rows(str(first.path), f"SELECT count(*) FROM patients WHERE patient_id = '{pseudonym}'") == [(1,)]
    world.opt_out(leaver)
    second = build_extract(world.db, world.actors["res2"], world.project_a, gate=world.gate())
    assert second.people == PEOPLE - 1 and second.opted_out_excluded == 1
    assert second.replaced == ((first.extract_id, first.path),)
    assert not first.path.exists()
    with world.db.session() as s:
        old = s.get(ProjectExtract, first.extract_id)
        assert old is not None and old.status == "deleted" and old.deleted_at is not None
        members = set(s.scalars(select(ExtractMember.person_id).where(ExtractMember.extract_id == second.extract_id)))
    assert leaver not in members and len(members) == PEOPLE - 1
    for table in _tables(str(second.path)):
        assert _rows(str(second.path), f"SELECT count(*) FROM {table} WHERE patient_id = '{pseudonym}'") == [(0,)]


def test_an_opted_out_person_is_in_an_extract_only_under_a_recorded_exemption(world: SdeWorld) -> None:
    world.opt_out(person_id(7))
    _set_project(world, world.project_a, apply_national_opt_out=False)
    assert build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate()).people == PEOPLE - 1
    _set_project(world, world.project_a, opt_out_exemption="section 251 support, CAG ref 26/CAG/0001")
    exempt = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    assert exempt.people == PEOPLE and exempt.opted_out_excluded == 0 and not exempt.opt_out_applied


def test_two_projects_extracts_share_no_pseudonym(world: SdeWorld) -> None:
    a = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    b = build_extract(world.db, world.actors["res1"], world.project_b, gate=world.gate())
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a.path}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b.path}' AS b (READ_ONLY)")
        assert con.execute("SELECT count(*) FROM a.patients").fetchone() == (PEOPLE,)
        assert con.execute("SELECT count(*) FROM b.patients").fetchone() == (PEOPLE,)
        joined = con.execute("SELECT count(*) FROM a.patients JOIN b.patients USING (patient_id)").fetchone()
    assert joined == (0,)


def test_the_key_stays_outside_the_extract(world: SdeWorld) -> None:
    summary = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    key_file = keys_dir(world.db.settings) / f"project-{world.project_a}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes() not in summary.path.read_bytes()
    assert key_file.read_bytes().hex() not in summary.path.read_bytes().decode("latin-1")


def test_dates_are_coarsened_when_the_project_says(world: SdeWorld) -> None:
    _set_project(world, world.project_a, date_coarsening="year")
    path = str(build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate()).path)
    assert _rows(path, "SELECT DISTINCT month(date_of_birth), day(date_of_birth) FROM patients") == [(1, 1)]
    assert _rows(path, "SELECT DISTINCT day(date) FROM clinical_events") == [(1,)]


def test_a_non_member_is_refused_audited_and_nothing_is_built(world: SdeWorld) -> None:
    with pytest.raises(AccessDenied, match="not a member"):
        build_extract(world.db, world.actors["outsider"], world.project_a, gate=world.gate())
    assert world.count(ProjectExtract) == 0 and world.count(ExtractMember) == 0
    with world.db.session() as s:
        event = s.scalars(select(AuditEventRecord).order_by(AuditEventRecord.id.desc())).first()
    assert event is not None and event.entity_type == "ProjectExtract"


def test_a_project_not_in_its_access_stage_is_refused(world: SdeWorld) -> None:
    _set_project(world, world.project_a, stage="approved")
    with pytest.raises(AccessDenied, match="stage"):
        build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    assert world.count(ProjectExtract) == 0


def test_closing_a_project_deletes_its_extract_but_keeps_who_was_in_it(world: SdeWorld) -> None:
    summary = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    assert delete_closed_extracts(world.db) == []
    _set_project(world, world.project_a, stage="closed")
    assert delete_closed_extracts(world.db) == [world.project_a]
    assert not summary.path.exists()
    with world.db.session() as s:
        extract = s.get(ProjectExtract, summary.extract_id)
        project = s.get(Project, world.project_a)
        assert extract is not None and extract.status == "deleted"
        assert project is not None and project.extract_deleted_at is not None
    assert world.count(ExtractMember, ExtractMember.extract_id == summary.extract_id) == PEOPLE
    assert delete_closed_extracts(world.db) == []
