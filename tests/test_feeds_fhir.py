"""FHIR R4 transaction Bundles: what loads, what is flagged, what is quarantined, and that nothing is half-written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from socialdata.feeds import ingest_path
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, QuarantineItem, SourceEvent, SourcePerson
from test_feeds_builders import SNOMED, condition, count, nhs_number, patient, register, rows, write_bundle

FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def _one(db: Database, path: Path, org: str = "RZZ", **kwargs: object):  # type: ignore[no-untyped-def]
    [result] = ingest_path(db, path, org, **kwargs)  # type: ignore[arg-type]
    return result


def test_a_bundle_loads_every_resource_kind_with_provenance(db: Database, tmp_path: Path) -> None:
    register(db)
    resources = [
        patient("p1", nhs=nhs_number(1), family="Okafor", given=("Ngozi", "Ada"), deceasedDateTime="2024-05-01"),
        condition("c1", "p1", encounter={"reference": "Encounter/e1"}),
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "subject": {"reference": "Patient/p1"},
            "period": {"start": "2024-01-02T10:00:00Z", "end": "2024-01-05T12:00:00Z"},
        },
        {
            "resourceType": "Procedure",
            "id": "pr1",
            "status": "completed",
            "code": {"coding": [{"system": "https://fhir.hl7.org.uk/Id/opcs-4", "code": "W371"}]},
            "subject": {"reference": "Patient/p1"},
            "performedDateTime": "2024-01-03",
        },
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "code": {"coding": [{"system": SNOMED, "code": "27113001"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2024-01-03T09:00:00+01:00",
            "valueQuantity": {"value": 72.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": "a1",
            "code": {"coding": [{"system": SNOMED, "code": "91936005"}]},
            "patient": {"reference": "Patient/p1"},
            "recordedDate": "2023-03-01",
        },
        {
            "resourceType": "MedicationStatement",
            "id": "m1",
            "status": "active",
            "medicationCodeableConcept": {"coding": [{"system": "https://dmd.nhs.uk", "code": "39720311000001101"}]},
            "subject": {"reference": "Patient/p1"},
            "effectivePeriod": {"start": "2023-01-01"},
        },
    ]
    result = _one(db, write_bundle(tmp_path / "bundle-0001.json", resources))

    assert (result.status, result.format, result.records_loaded, result.records_quarantined) == (
        "loaded",
        "fhir-bundle",
        7,
        0,
    )
    [person] = rows(db, SourcePerson)
    assert (person.source_id, person.nhs_number, person.nhs_number_status) == ("p1", nhs_number(1), "valid")
    assert (person.given_name, person.other_given_names, person.family_name) == ("Ngozi", "Ada", "Okafor")
    assert (person.birth_date, person.postcode, person.death_date) == (
        dt.date(1980, 2, 3),
        "BS1 4DJ",
        dt.date(2024, 5, 1),
    )
    assert person.registered_practice == "Y90001"
    assert person.identity_flags == []
    events = {e.kind: e for e in rows(db, SourceEvent)}
    assert set(events) == {"condition", "encounter", "procedure", "observation", "allergy", "medication"}
    assert events["observation"].value_num == 72.5 and events["observation"].value_unit == "kg"
    assert events["observation"].start_at == dt.datetime(2024, 1, 3, 8, 0, tzinfo=dt.UTC)
    assert events["procedure"].code_system == "https://fhir.hl7.org.uk/Id/opcs-4"
    assert events["encounter"].code == "IMP"
    assert events["condition"].detail == {"encounter": "Encounter/e1"}
    for fact in [person, *events.values()]:
        assert fact.organisation_id == "RZZ"
        assert fact.submission_id == result.submission_id
        assert fact.loaded_at is not None
    assert {e.person_source_id for e in events.values()} == {"p1"}
    [submission] = rows(db, FeedSubmission)
    assert (submission.status, submission.records_loaded, submission.file_name) == ("loaded", 7, "bundle-0001.json")


def test_entry_order_does_not_matter_and_an_unknown_person_is_quarantined(db: Database, tmp_path: Path) -> None:
    register(db)
    path = write_bundle(
        tmp_path / "b.json",
        [condition("c1", "p1"), condition("c2", "nobody"), patient("p1")],
    )
    result = _one(db, path)

    assert (result.records_loaded, result.records_quarantined) == (2, 1)
    assert [e.source_id for e in rows(db, SourceEvent)] == ["c1"]
    [item] = rows(db, QuarantineItem)
    assert (item.location, item.field, item.file_name) == ("entry 2", "subject.reference", "b.json")
    assert "'nobody'" in item.message and "neither in this submission nor loaded before for RZZ" in item.message


def test_an_event_may_refer_to_a_person_loaded_in_an_earlier_submission(db: Database, tmp_path: Path) -> None:
    register(db)
    register(db, "RYY")
    _one(db, write_bundle(tmp_path / "people.json", [patient("p1")]))
    _one(db, write_bundle(tmp_path / "other-org.json", [patient("p2")]), org="RYY")
    result = _one(db, write_bundle(tmp_path / "events.json", [condition("c1", "p1"), condition("c2", "p2")]))
    assert (result.records_loaded, result.records_quarantined) == (1, 1)  # p2 belongs to another organisation


def test_identity_fields_that_fail_validation_are_kept_raw_flagged_and_not_used(db: Database, tmp_path: Path) -> None:
    register(db)
    resources = [
        patient("bad-check", nhs="9990000019"),
        patient("future", nhs=nhs_number(2), birth=FUTURE),
        patient("impossible", nhs=nhs_number(3), birth="1980-02-30", postcode="NOT A POSTCODE"),
        patient("dead-before-born", nhs=nhs_number(4), birth="1980-01-01", deceasedDateTime="1979-12-31"),
    ]
    result = _one(db, write_bundle(tmp_path / "b.json", resources))
    assert (result.records_loaded, result.records_quarantined) == (4, 0)
    people = {p.source_id: p for p in rows(db, SourcePerson)}

    bad = people["bad-check"]
    assert (bad.nhs_number_raw, bad.nhs_number, bad.nhs_number_status) == ("9990000019", None, "invalid")
    assert bad.identity_flags == ["nhs_number: fails the modulus-11 check digit"]
    future = people["future"]
    assert (future.birth_date_raw, future.birth_date) == (FUTURE, None)
    assert future.identity_flags == [f"birth_date: {FUTURE} is in the future"]
    impossible = people["impossible"]
    assert (impossible.birth_date, impossible.postcode, impossible.postcode_raw) == (None, None, "NOT A POSTCODE")
    assert [f.split(":")[0] for f in impossible.identity_flags] == ["birth_date", "postcode"]
    dead = people["dead-before-born"]
    assert (dead.birth_date, dead.death_date) == (dt.date(1980, 1, 1), None)
    assert dead.identity_flags == ["death_date: 1979-12-31 is before the birth date 1980-01-01"]


@pytest.mark.parametrize(
    ("resource", "field", "fragment"),
    [
        ({"resourceType": "Flag", "id": "f1"}, "resourceType", "'Flag' is not one the loader reads"),
        (
            condition("c1", "p1", system="http://example.org/local-codes"),
            "code",
            "no coding from a known code system (got http://example.org/local-codes); known systems: SNOMED CT",
        ),
        (condition("c1", "p1", onset=FUTURE), "onsetDateTime", f"{FUTURE} is in the future"),
        (condition("c1", "p1", onset="2020-13-45"), "onsetDateTime", "is not a date-time"),
        (condition("c1", "p1", subject={"reference": "Practitioner/x"}), "subject.reference", "Patient/<id>"),
        (condition("", "p1"), "id", "id is missing"),
        (patient("p2", family="x" * 250), "family_name", "250 characters long; at most 200"),
        (patient("p2", family="Nul\u0000Byte"), "family_name", "family_name contains a NUL character"),
    ],
)
def test_a_record_that_cannot_be_interpreted_is_quarantined_with_where_and_why(
    db: Database, tmp_path: Path, resource: dict[str, object], field: str, fragment: str
) -> None:
    register(db)
    result = _one(db, write_bundle(tmp_path / "b.json", [patient("p1"), resource]))
    assert (result.status, result.records_loaded, result.records_quarantined) == ("loaded", 1, 1)
    [item] = rows(db, QuarantineItem)
    assert (item.location, item.field) == ("entry 2", field)
    assert fragment in item.message
    assert json.loads(item.raw or "")["resource"]["resourceType"] == resource["resourceType"]
    assert count(db, SourceEvent) == 0 and count(db, SourcePerson) == 1


def test_injection_and_markup_in_names_are_stored_verbatim(db: Database, tmp_path: Path) -> None:
    register(db)
    family = "O'Brien'); DROP TABLE source_person; --"
    given = '<script>alert("x")</script>'
    _one(db, write_bundle(tmp_path / "b.json", [patient("p1", family=family, given=(given, "&amp; <b>"))]))
    [person] = rows(db, SourcePerson)
    assert (person.family_name, person.given_name, person.other_given_names) == (family, given, "&amp; <b>")


def test_a_later_submission_with_the_same_source_id_updates_the_row_and_its_provenance(
    db: Database, tmp_path: Path
) -> None:
    register(db)
    first = _one(db, write_bundle(tmp_path / "one.json", [patient("p1", family="Smith"), condition("c1", "p1")]))
    second = _one(db, write_bundle(tmp_path / "two.json", [patient("p1", family="Smith-Jones")]))
    [person] = rows(db, SourcePerson)
    [event] = rows(db, SourceEvent)
    assert (person.family_name, person.submission_id) == ("Smith-Jones", second.submission_id)
    assert event.submission_id == first.submission_id
    assert person.loaded_at > event.loaded_at


def test_the_same_file_twice_changes_nothing_and_says_so(db: Database, tmp_path: Path) -> None:
    register(db)
    path = write_bundle(tmp_path / "b.json", [patient("p1"), condition("c1", "p1"), condition("c2", "x")])
    first = _one(db, path)
    before = [count(db, t) for t in (FeedSubmission, SourcePerson, SourceEvent, QuarantineItem)]
    again = _one(db, path)
    assert (again.status, again.submission_id, again.records_loaded) == ("duplicate", first.submission_id, 0)
    assert again.message and f"already loaded as submission {first.submission_id}" in again.message
    assert [count(db, t) for t in (FeedSubmission, SourcePerson, SourceEvent, QuarantineItem)] == before


def test_a_byte_order_mark_before_the_json_is_accepted(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "bom.json"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": patient("p1")}]}).encode()
    )
    assert _one(db, path).records_loaded == 1
