"""`sdf org`, `sdf ingest` and `sdf quarantine`: what a partner types, reads, and what scripts parse."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from socialdata.cli import app
from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, FeedSubmission, Organisation, QuarantineItem
from test_feeds_builders import condition, count, patient, write_bundle


def _sdf(env: dict[str, str], *args: str | Path) -> Result:
    """In-process (Typer's runner sets the environment for the call), to spare each call a second of imports."""
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def _said(result: Result) -> str:
    """What a person read on stderr, with Rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def test_organisations_are_registered_idempotently_and_listed(cli_env: dict[str, str], db: Database) -> None:
    for _ in range(2):
        added = _sdf(cli_env, "org", "add", "rzz", "--name", "Avonford Hospitals", "--kind", "hospital_trust")
        assert added.exit_code == 0, added.output
    assert "Registered RZZ (hospital_trust): Avonford Hospitals" in _said(added)
    listed = json.loads(_sdf(cli_env, "org", "list", "--json").stdout)
    assert [(o["code"], o["name"], o["kind"]) for o in listed] == [("RZZ", "Avonford Hospitals", "hospital_trust")]
    assert count(db, Organisation) == 1


def test_a_bad_organisation_kind_is_one_clear_line(cli_env: dict[str, str], db: Database) -> None:
    result = _sdf(cli_env, "org", "add", "RZZ", "--name", "X", "--kind", "hospital")
    assert result.exit_code == 2
    assert _said(result).startswith("error: organisation kind 'hospital' is not one of hospital_trust")
    assert count(db, Organisation) == 0


def test_ingesting_for_an_unregistered_organisation_is_refused(
    cli_env: dict[str, str], db: Database, tmp_path: Path
) -> None:
    result = _sdf(cli_env, "ingest", write_bundle(tmp_path / "b.json", [patient("p1")]), "--org", "NOPE")
    assert result.exit_code == 2
    assert "error: unknown organisation 'NOPE'" in _said(result)
    assert count(db, FeedSubmission) == 0


def test_ingest_reports_loaded_then_duplicate_in_json_and_in_words(
    cli_env: dict[str, str], db: Database, tmp_path: Path
) -> None:
    _sdf(cli_env, "org", "add", "RZZ", "--name", "Avonford Hospitals", "--kind", "hospital_trust")
    resources = [patient("p1"), condition("c1", "p1"), condition("c2", "ghost"), {"resourceType": "Flag", "id": "f"}]
    path = write_bundle(tmp_path / "b.json", resources)
    first = _sdf(cli_env, "ingest", path, "--org", "RZZ", "--json")
    assert first.exit_code == 0, first.output
    [loaded] = json.loads(first.stdout)
    assert {k: loaded[k] for k in ("file", "format", "status", "records_loaded", "records_quarantined")} == {
        "file": str(path),
        "format": "fhir-bundle",
        "status": "loaded",
        "records_loaded": 2,
        "records_quarantined": 2,
    }
    again = _sdf(cli_env, "ingest", path, "--org", "RZZ", "--json")
    [duplicate] = json.loads(again.stdout)
    assert (duplicate["status"], duplicate["submission_id"]) == ("duplicate", loaded["submission_id"])
    words = _sdf(cli_env, "ingest", path, "--org", "RZZ")
    assert words.exit_code == 0
    assert f"b.json was already loaded as submission {loaded['submission_id']}" in _said(words)
    assert "nothing changed" in _said(words)

    create_user(db, "steward", "steward password", Role.DATA_STEWARD, display_name="Sam Steward", organisation_id="RZZ")
    listed = json.loads(_sdf(cli_env, "quarantine", "list", "--org", "RZZ", "--by", "steward", "--json").stdout)
    assert [(q["location"], q["field"]) for q in listed] == [
        ("entry 4", "resourceType"),
        ("entry 3", "subject.reference"),
    ]
    shown = json.loads(_sdf(cli_env, "quarantine", "show", str(listed[0]["id"]), "--by", "steward", "--json").stdout)
    assert json.loads(shown["raw"])["resource"]["id"] == "f"
    words = _sdf(cli_env, "quarantine", "show", str(listed[1]["id"]), "--by", "steward")
    assert "refers to person 'ghost'" in _said(words)
    assert _sdf(cli_env, "quarantine", "list", "--org", "LA900", "--by", "steward", "--json").stdout.strip() == "[]"


def test_a_rejected_file_exits_2_with_one_clear_line(cli_env: dict[str, str], db: Database, tmp_path: Path) -> None:
    _sdf(cli_env, "org", "add", "RZZ", "--name", "Avonford Hospitals", "--kind", "hospital_trust")
    path = tmp_path / "b.json"
    path.write_text('{"resourceType": "Bundle", "type": "transaction", "entry": [}')
    result = _sdf(cli_env, "ingest", path, "--org", "RZZ")
    assert result.exit_code == 2
    line = _said(result).strip()
    assert line.startswith("error: b.json: malformed JSON at byte ")
    assert result.stdout == ""
    as_json = _sdf(cli_env, "ingest", path, "--org", "RZZ", "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)[0]["status"] == "rejected"
    assert count(db, FeedSubmission) == 1 and count(db, QuarantineItem) == 1


def test_a_quarantined_record_is_shown_only_through_the_gate_and_every_look_is_audited(
    cli_env: dict[str, str], db: Database, tmp_path: Path
) -> None:
    _sdf(cli_env, "org", "add", "RZZ", "--name", "Avonford Hospitals", "--kind", "hospital_trust")
    path = write_bundle(tmp_path / "b.json", [patient("p1"), condition("c1", "ghost")])
    assert _sdf(cli_env, "ingest", path, "--org", "RZZ", "--no-link").exit_code == 0
    create_user(db, "amara", "clinician password", Role.CLINICIAN, display_name="Dr Amara", organisation_id="RZZ")
    create_user(db, "steward", "steward password", Role.DATA_STEWARD, display_name="Sam Steward", organisation_id="RZZ")
    [item] = json.loads(_sdf(cli_env, "quarantine", "list", "--by", "steward", "--json").stdout)
    assert _sdf(cli_env, "quarantine", "list", "--by", "amara").exit_code == 2
    refused = _sdf(cli_env, "quarantine", "show", str(item["id"]), "--by", "amara")
    assert refused.exit_code == 2 and "data stewards, privacy officers and administrators only" in _said(refused)
    assert "ghost" not in refused.output
    assert _sdf(cli_env, "quarantine", "show", str(item["id"]), "--by", "nobody").exit_code == 2
    assert _sdf(cli_env, "quarantine", "show", str(item["id"]), "--by", "steward").exit_code == 0
    with db.session() as s:
        looks = s.execute(
            select(AuditEventRecord.username, AuditEventRecord.outcome).where(
                AuditEventRecord.entity_type.in_(["QuarantineItem", "QuarantineList"])
            )
        ).all()
    assert sorted(looks) == [("amara", 4), ("amara", 4), ("steward", 0), ("steward", 0)]


def test_showing_a_missing_quarantine_item_is_a_clear_error(cli_env: dict[str, str], db: Database) -> None:
    create_user(db, "steward", "steward password", Role.DATA_STEWARD, display_name="Sam Steward", organisation_id=None)
    result = _sdf(cli_env, "quarantine", "show", "999", "--by", "steward")
    assert result.exit_code == 2
    assert "error: there is no quarantine item 999" in _said(result)
