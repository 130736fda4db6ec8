"""Files that cannot be read at all are rejected whole: recorded with the reason, one quarantine item, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialdata.errors import UserError
from socialdata.feeds import ingest_path
from socialdata.feeds.asc_cld import COLUMNS as ASC_COLUMNS
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, QuarantineItem, SourceEvent, SourcePerson
from test_feeds_builders import condition, count, csv_text, patient, register, rows, write_bundle

FACT_TABLES = (SourcePerson, SourceEvent)


def _assert_rejected_whole(db: Database, path: Path, fragment: str, *, org: str = "RZZ") -> str:
    [result] = ingest_path(db, path, org)
    assert (result.status, result.records_loaded, result.records_quarantined) == ("rejected", 0, 1)
    assert result.message and fragment in result.message, result.message
    [submission] = rows(db, FeedSubmission)
    assert (submission.id, submission.status, submission.message) == (
        result.submission_id,
        "rejected",
        result.message.removeprefix(f"{path.name}: ").removeprefix(f"{path.name}, row 1: "),
    )
    [item] = rows(db, QuarantineItem)
    assert (item.submission_id, item.file_name) == (submission.id, path.name)
    assert all(count(db, table) == 0 for table in FACT_TABLES)
    return result.message


def test_malformed_json_is_rejected_saying_where(db: Database, tmp_path: Path) -> None:
    register(db)
    path = write_bundle(tmp_path / "b.json", [patient("p1"), condition("c1", "p1")])
    text = path.read_text()
    broken = text.replace('"resourceType": "Condition"', '"resourceType": "Condition",,', 1)
    path.write_text(broken)
    offset = broken.index(",,") + 1
    line = broken[:offset].count("\n") + 1
    message = _assert_rejected_whole(db, path, "malformed JSON at byte")
    assert f"byte {offset} (line {line}," in message


def test_truncated_json_is_rejected(db: Database, tmp_path: Path) -> None:
    register(db)
    path = write_bundle(tmp_path / "b.json", [patient("p1")])
    path.write_bytes(path.read_bytes()[:-40])
    _assert_rejected_whole(db, path, "the file ends before the JSON is complete")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'[{"resourceType": "Bundle"}]', "not a FHIR Bundle: the file holds a JSON array"),
        (b'{"resourceType": "Patient", "id": "p1"}', "not a FHIR Bundle: resourceType is 'Patient'"),
        (
            b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
            "not a transaction (its type is 'collection')",
        ),
        (b'{"entry": [], "resourceType": "Bundle"}', "not a transaction (it has no type)"),
        (b"", "the file is empty"),
    ],
)
def test_a_file_that_is_not_a_transaction_bundle_is_rejected(
    db: Database, tmp_path: Path, content: bytes, fragment: str
) -> None:
    register(db)
    path = tmp_path / "b.json"
    path.write_bytes(content)
    _assert_rejected_whole(db, path, fragment)


def test_a_bundle_whose_type_comes_after_its_entries_is_still_checked(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "late-type.json"
    path.write_text(
        '{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "p"}}], "type": "batch"}'
    )
    _assert_rejected_whole(db, path, "its type is 'batch'")


def test_a_csv_with_a_renamed_column_is_rejected_naming_it_and_its_likely_rename(db: Database, tmp_path: Path) -> None:
    register(db, "LA900", "council")
    columns = [("Date_Of_Birth" if c == "Date_of_Birth" else c) for c in ASC_COLUMNS if c != "Postcode"]
    path = tmp_path / "asc_cld.csv"
    path.write_text(csv_text(columns, [["x"] * len(columns)]))
    message = _assert_rejected_whole(db, path, "does not match the asc-cld layout", org="LA900")
    assert "missing column(s) Date_of_Birth (is 'Date_Of_Birth' meant to be Date_of_Birth?), Postcode" in message
    assert "row 1" in message


def test_a_csv_matching_no_layout_is_rejected_listing_the_layouts(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "export.csv"
    path.write_text("a,b,c\n1,2,3\n")
    _assert_rejected_whole(db, path, "matches none of the CSV layouts: asc_cld.csv (asc-cld), gp_registrations.csv")


def test_a_file_over_the_size_limit_is_rejected(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    register(db)
    path = write_bundle(tmp_path / "b.json", [patient("p1")])
    monkeypatch.setenv("SDF_MAX_SUBMISSION_BYTES", "100")
    _assert_rejected_whole(db, path, f"the file is {path.stat().st_size:,} bytes, over the 100-byte limit")


def test_a_file_of_another_kind_is_rejected(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    _assert_rejected_whole(db, path, "expected a .json FHIR Bundle or a .csv extract")


def test_the_same_rejected_file_again_is_rejected_again_without_new_rows(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "b.json"
    path.write_bytes(b'{"resourceType": "Bundle", "type": "searchset"}')
    [first] = ingest_path(db, path, "RZZ")
    [second] = ingest_path(db, path, "RZZ")
    assert (second.status, second.submission_id, second.message) == ("rejected", first.submission_id, first.message)
    assert count(db, FeedSubmission) == 1 and count(db, QuarantineItem) == 1


def test_a_rejected_file_that_loads_on_retry_reuses_its_submission(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(db)
    path = write_bundle(tmp_path / "b.json", [patient("p1")])
    monkeypatch.setenv("SDF_MAX_SUBMISSION_BYTES", "10")
    [rejected] = ingest_path(db, path, "RZZ")
    monkeypatch.delenv("SDF_MAX_SUBMISSION_BYTES")
    [loaded] = ingest_path(db, path, "RZZ")
    assert (loaded.status, loaded.submission_id, loaded.records_loaded) == ("loaded", rejected.submission_id, 1)
    [submission] = rows(db, FeedSubmission)
    [item] = rows(db, QuarantineItem)
    assert (submission.status, item.resolved) == ("loaded", True)


def test_an_unknown_organisation_is_a_clear_error_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_bundle(tmp_path / "b.json", [patient("p1")])
    with pytest.raises(UserError, match="unknown organisation 'NOPE'; register it first with `sdf org add NOPE"):
        ingest_path(db, path, "NOPE")
    assert count(db, FeedSubmission) == 0


def test_a_bad_size_limit_setting_is_a_clear_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(db)
    monkeypatch.setenv("SDF_MAX_SUBMISSION_BYTES", "4GB")
    with pytest.raises(UserError, match="SDF_MAX_SUBMISSION_BYTES must be a whole number of bytes, not '4GB'"):
        ingest_path(db, write_bundle(tmp_path / "b.json", [patient("p1")]), "RZZ")
