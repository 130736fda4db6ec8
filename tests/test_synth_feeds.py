"""The city on disk: the layout and formats of docs/feeds.md, byte-for-byte determinism, truth, and `sdf synth`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from socialdata.errors import UserError
from socialdata.synth import CityManifest, generate_source_people, load_manifest, write_city
from socialdata.synth import hospital as hospital_module
from socialdata.synth.admissions import FEED_CUT, LONGEST_DAYS_IN
from socialdata.synth.source_records import iter_sourced_people

PEOPLE = 300
SEED = 3
DOCS = Path(__file__).resolve().parents[1] / "docs" / "feeds.md"
SDF = Path(sys.executable).parent / "sdf"
KNOWN_SYSTEMS = {
    "http://snomed.info/sct",
    "http://hl7.org/fhir/sid/icd-10",
    "https://fhir.hl7.org.uk/Id/opcs-4",
    "https://dmd.nhs.uk",
    "http://unitsofmeasure.org",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city") / "avonford"
    write_city(out, people=PEOPLE, seed=SEED)
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _documented_columns(name: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"`{re.escape(name)}`:\s*`([^`]*)`", text) or re.search(r"`(LA_Code,[^`]*)`", text)
    assert match, name
    return [column.strip() for column in match.group(1).split(",")]


def _bundles(city: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((city / "hospital" / "RZZ").glob("bundle-*.json"))]


def test_layout_and_manifest_match_the_contract(city: Path) -> None:
    manifest = load_manifest(city)
    assert manifest == load_manifest(city / "manifest.json")
    assert (manifest.seed, manifest.people) == (SEED, PEOPLE)
    codes = [o.code for o in manifest.organisations]
    assert codes == ["RZZ", "LA900", *(f"Y900{n:02d}" for n in range(1, 13)), "UNI01", "SDF"]
    by_code = {o.code: o for o in manifest.organisations}
    assert by_code["RZZ"].kind == "hospital_trust" and by_code["LA900"].kind == "council"
    assert by_code["RZZ"].files[0] == "hospital/RZZ/bundle-0001.json"
    assert "operational/RZZ/bed_state.csv" in by_code["RZZ"].files
    assert "operational/RZZ/supply_stock.csv" in by_code["RZZ"].files
    assert by_code["LA900"].files == ("council/LA900/asc_cld.csv", "operational/LA900/care_home_vacancies.csv")
    assert by_code["Y90007"].files == ("gp/Y90007/gp_registrations.csv", "gp/Y90007/gp_events.csv")
    listed = {f for o in manifest.organisations for f in o.files}
    on_disk = set(_digest(city)) - {"manifest.json", "truth.csv"}
    assert listed == on_disk


@pytest.mark.parametrize(
    ("relative", "documented"),
    [
        ("council/LA900/asc_cld.csv", "asc_cld.csv"),
        ("gp/Y90001/gp_registrations.csv", "gp_registrations.csv"),
        ("gp/Y90001/gp_events.csv", "gp_events.csv"),
        ("operational/RZZ/bed_state.csv", "bed_state.csv"),
        ("operational/RZZ/supply_stock.csv", "supply_stock.csv"),
        ("operational/LA900/care_home_vacancies.csv", "care_home_vacancies.csv"),
    ],
)
def test_csv_headers_match_docs(city: Path, relative: str, documented: str) -> None:
    with (city / relative).open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == _documented_columns(documented)


def test_same_seed_same_bytes_and_another_seed_differs(city: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_city(again, people=PEOPLE, seed=SEED)
    assert _digest(again) == _digest(city)
    other = tmp_path / "other"
    write_city(other, people=PEOPLE, seed=SEED + 1)
    assert _digest(other)["truth.csv"] != _digest(city)["truth.csv"]


def test_truth_covers_every_source_person_record(city: Path) -> None:
    truth = {(r["organisation_id"], r["source_id"]): r["person_id"] for r in _rows(city / "truth.csv")}
    in_files: set[tuple[str, str]] = set()
    for bundle in _bundles(city):
        for entry in bundle["entry"]:
            if entry["resource"]["resourceType"] == "Patient":
                in_files.add(("RZZ", entry["resource"]["id"]))
    in_files |= {("LA900", r["LA_Person_Unique_Identifier"]) for r in _rows(city / "council/LA900/asc_cld.csv")}
    for path in city.glob("gp/*/gp_registrations.csv"):
        in_files |= {(r["Practice_Code"], r["Patient_ID"]) for r in _rows(path)}
    assert in_files == set(truth)
    assert all(person.startswith("P") for person in truth.values())


def test_written_identities_are_the_generated_source_records(city: Path) -> None:
    records = {(r.organisation_id, r.source_id): r for r in generate_source_people(PEOPLE, SEED)}
    assert [(r["organisation_id"], r["source_id"]) for r in _rows(city / "truth.csv")] == list(records)
    for path in city.glob("gp/*/gp_registrations.csv"):
        for row in _rows(path):
            record = records[(row["Practice_Code"], row["Patient_ID"])]
            assert row["NHS_Number"] == (record.nhs_number_raw or "")
            assert (row["Given_Name"], row["Family_Name"]) == (record.given_name, record.family_name)
            assert (row["Date_of_Birth"], row["Postcode"]) == (record.birth_date_raw, record.postcode_raw)
    for row in _rows(city / "council/LA900/asc_cld.csv"):
        record = records[("LA900", row["LA_Person_Unique_Identifier"])]
        assert (row["NHS_Number"], row["Date_of_Birth"]) == (record.nhs_number_raw or "", record.birth_date_raw)
    for bundle in _bundles(city):
        for entry in bundle["entry"]:
            patient = entry["resource"]
            if patient["resourceType"] == "Patient":
                record = records[("RZZ", patient["id"])]
                assert patient["name"][0]["family"] == record.family_name
                assert patient["birthDate"] == record.birth_date_raw


def test_the_people_in_hospital_now_have_open_episodes_and_everything_else_has_ended(city: Path) -> None:
    """The trust's open episodes are the people the generator put in hospital now (plus any recent admission of their
    history still running): in progress, no end, started by the extract; each current stay with its active reason."""
    stays = {
        record.source_id: sourced.stay
        for sourced in iter_sourced_people(PEOPLE, SEED)
        for record in sourced.records[:1]
        if sourced.stay is not None and record.organisation_id == "RZZ"
    }
    assert any(stay.admitted for stay in stays.values())  # even a city this small has an inpatient to look at
    resources = [entry["resource"] for bundle in _bundles(city) for entry in bundle["entry"]]
    encounters = [r for r in resources if r["resourceType"] == "Encounter"]
    for encounter in encounters:
        assert ("end" in encounter["period"]) == (encounter["status"] == "finished"), encounter
    still_open = {r["id"]: r for r in encounters if r["status"] == "in-progress"}
    for mrn, stay in stays.items():
        mine = [r for r in still_open.values() if r["subject"]["reference"] == f"Patient/{mrn}"]
        wanted = "IMP" if stay.admitted else "EMER"
        current = [r for r in mine if r["class"]["code"] == wanted and r["period"]["start"] == _stamp(stay.since)]
        assert len(current) == 1, (mrn, stay, mine)
        assert _stamp(FEED_CUT - dt.timedelta(days=LONGEST_DAYS_IN, hours=1)) <= _stamp(stay.since) < _stamp(FEED_CUT)
        reasons = [
            r
            for r in resources
            if r["resourceType"] == "Condition"
            and r.get("encounter", {}).get("reference") == f"Encounter/{current[0]['id']}"
        ]
        assert [r["clinicalStatus"]["coding"][0]["code"] for r in reasons] == ["active"]
        patient = next(r for r in resources if r["resourceType"] == "Patient" and r["id"] == mrn)
        assert "deceasedDateTime" not in patient


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_every_bundle_is_a_uk_core_transaction(city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hospital_module, "PATIENTS_PER_BUNDLE", 40)
    small = tmp_path / "small-bundles"
    write_city(small, people=PEOPLE, seed=SEED)
    bundles = _bundles(small)
    assert len(bundles) > 1
    seen_types: set[str] = set()
    classes: set[str] = set()
    for bundle in bundles:
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
        patients = {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}
        assert 0 < len(patients) <= 40
        ids = set()
        for entry in bundle["entry"]:
            resource = entry["resource"]
            kind = resource["resourceType"]
            seen_types.add(kind)
            assert entry["fullUrl"].startswith("urn:uuid:")
            assert entry["request"] == {"method": "PUT", "url": f"{kind}/{resource['id']}"}
            assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", resource["id"])
            assert resource["meta"]["profile"] == [f"https://fhir.hl7.org.uk/StructureDefinition/UKCore-{kind}"]
            ids.add(f"{kind}/{resource['id']}")
            reference = (resource.get("subject") or resource.get("patient") or {}).get("reference")
            if kind == "Patient":
                _check_patient(resource)
            else:
                assert reference in {f"Patient/{p}" for p in patients}
            if kind == "AllergyIntolerance":
                assert "patient" in resource and "subject" not in resource
            if kind == "Encounter":
                classes.add(resource["class"]["code"])
                assert resource["class"]["system"] == "http://terminology.hl7.org/CodeSystem/v3-ActCode"
                assert resource["period"]["start"]
                assert resource["serviceType"]["coding"][0]["system"] == "http://snomed.info/sct"
            if kind == "Observation":
                assert resource["valueQuantity"]["system"] == "http://unitsofmeasure.org"
                assert resource["effectiveDateTime"]
            if kind == "MedicationStatement":
                assert resource["medicationCodeableConcept"]["coding"][0]["system"] == "https://dmd.nhs.uk"
                assert resource["effectivePeriod"]["start"]
            for coding in _codings(resource):
                assert coding["system"] in KNOWN_SYSTEMS or coding["system"].startswith(
                    ("http://terminology.hl7.org/CodeSystem/", "https://fhir.hl7.org.uk/CodeSystem/")
                ), coding
        for entry in bundle["entry"]:
            encounter = entry["resource"].get("encounter", {}).get("reference")
            assert encounter is None or encounter in ids
    assert seen_types == {
        "Patient", "Encounter", "Condition", "Procedure", "Observation", "AllergyIntolerance", "MedicationStatement",
    }  # fmt: skip
    assert classes == {"IMP", "EMER", "AMB"}


def _check_patient(patient: dict[str, Any]) -> None:
    systems = [i["system"] for i in patient["identifier"]]
    assert "https://avonford.example/RZZ/Id/mrn" in systems
    for identifier in patient["identifier"]:
        if identifier["system"] == "https://fhir.nhs.uk/Id/nhs-number":
            extension = identifier["extension"][0]
            assert extension["url"].endswith("Extension-UKCore-NHSNumberVerificationStatus")
            assert extension["valueCodeableConcept"]["coding"][0]["code"] in {"01", "02"}
            assert identifier["value"].startswith("999")
    name = patient["name"][0]
    assert name["use"] == "official" and name["family"] and name["given"]
    assert patient["gender"] in {"male", "female"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", patient["birthDate"])
    address = patient["address"][0]
    assert address["line"] and address["city"] == "Avonford" and address["postalCode"].startswith("BS")


def _codings(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        found = [value] if "system" in value and "code" in value else []
        return found + [c for v in value.values() for c in _codings(v)]
    if isinstance(value, list):
        return [c for v in value for c in _codings(v)]
    return []


def test_sensitive_items_are_present(city: Path) -> None:
    codes = {c["code"] for bundle in _bundles(city) for e in bundle["entry"] for c in _codings(e["resource"])}
    events = [row for path in city.glob("gp/*/gp_events.csv") for row in _rows(path)]
    codes |= {row["SNOMED_Code"] for row in events}
    mental_health = {"35489007", "197480006", "58214004", "13746004", "7200002", "248062006"}
    assert codes & mental_health
    assert {row["Event_Type"] for row in events} == {"problem", "medication", "allergy", "observation"}


def test_sensitive_sexual_health_and_safeguarding_in_a_bigger_city(tmp_path: Path) -> None:
    out = tmp_path / "bigger"
    write_city(out, people=2_000, seed=SEED)
    codes = {c["code"] for bundle in _bundles(out) for e in bundle["entry"] for c in _codings(e["resource"])}
    assert codes & {"105629000", "86406008", "15628003"}
    assert codes & {"417430008", "412732008", "514331000000104"}


def test_gp_moves_leave_a_deregistered_record_and_council_rows_are_cld_shaped(city: Path) -> None:
    rows = [row for path in sorted(city.glob("gp/*/gp_registrations.csv")) for row in _rows(path)]
    assert {r["Sex"] for r in rows} <= {"M", "F", "I", "U"}
    truth = {(r["organisation_id"], r["source_id"]): r for r in _rows(city / "truth.csv")}
    deregistered = [r for r in rows if "deregistered" in truth[(r["Practice_Code"], r["Patient_ID"])]["noise"]]
    assert deregistered and all(r["Deregistration_Date"] for r in deregistered)
    council = _rows(city / "council/LA900/asc_cld.csv")
    assert {r["Event_Type"] for r in council} <= {"Request", "Assessment", "Service", "Review"}
    assert {r["Gender"] for r in council} <= {"Male", "Female", "Other", "Unknown"}
    services = [r for r in council if r["Event_Type"] == "Service"]
    assert services and all(r["Unit_Cost"] and r["Cost_Frequency_Unit_Type"] for r in services)
    assert {r["Cost_Frequency_Unit_Type"] for r in services} <= {"Hourly", "Daily", "Weekly", "One-off"}
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r["Event_Start_Date"]) for r in council)


def test_operational_feeds_cover_sixty_days(city: Path) -> None:
    beds = _rows(city / "operational/RZZ/bed_state.csv")
    assert len({r["Date"] for r in beds}) == 60
    assert all(0 <= int(r["Beds_Occupied"]) <= int(r["Beds_Open"]) for r in beds)
    homes = _rows(city / "operational/LA900/care_home_vacancies.csv")
    assert len({r["Care_Home_Code"] for r in homes}) == 25
    assert {r["Accepting_Admissions"] for r in homes} <= {"Y", "N"}
    stock = _rows(city / "operational/RZZ/supply_stock.csv")
    assert len({r["Site"] for r in stock}) >= 2 and all(int(r["Quantity"]) >= 0 for r in stock)


def test_sdf_synth_prints_a_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "cli-city"
    result = subprocess.run(
        [str(SDF), "synth", "--people", "200", "--seed", "4", "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["people"] == 200 and summary["seed"] == 4
    truth = _rows(out / "truth.csv")
    assert summary["source_person_records"] == len(truth)
    by_code = {o["code"]: o for o in summary["organisations"]}
    assert by_code["RZZ"]["person_records"] == sum(r["organisation_id"] == "RZZ" for r in truth)
    assert isinstance(load_manifest(out), CityManifest)


@pytest.mark.parametrize("people", ["0", "-5", "2000000"])
def test_sdf_synth_rejects_a_bad_size_and_writes_nothing(tmp_path: Path, people: str) -> None:
    out = tmp_path / "nothing"
    result = subprocess.run(
        [str(SDF), "synth", "--people", people, "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "--people" in result.stderr and "between 1 and" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_will_not_overwrite_a_folder_that_is_not_a_city(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="no synthetic city"):
        write_city(precious, people=20, seed=1)
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        write_city(a_file, people=20, seed=1)
    assert a_file.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "precious"]


def test_rewriting_a_city_replaces_it_whole(tmp_path: Path) -> None:
    out = tmp_path / "city"
    write_city(out, people=120, seed=1)
    write_city(out, people=60, seed=2)
    assert load_manifest(out).people == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city"]


def test_load_manifest_explains_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no manifest"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"seed": 1, "people": 3}')
    with pytest.raises(UserError, match=r"missing field '(generated_for|organisations)'"):
        load_manifest(tmp_path / "manifest.json")


def test_nothing_happens_after_the_city_date(city: Path) -> None:
    last = load_manifest(city).generated_for.isoformat()
    iso = re.compile(r"\d{4}-\d{2}-\d{2}")
    for path in city.glob("**/*.csv"):
        for row in _rows(path):
            for column, value in row.items():
                if column == "Date_of_Birth":
                    continue
                if re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):
                    value = f"{value[6:]}-{value[3:5]}-{value[:2]}"
                if iso.fullmatch(value):
                    assert value <= last, (path.name, column, value)
    for bundle in _bundles(city):
        for entry in bundle["entry"]:
            resource = entry["resource"]
            for key in ("onsetDateTime", "performedDateTime", "effectiveDateTime", "recordedDate", "deceasedDateTime"):
                assert resource.get(key, "")[:10] <= last
            for period in (resource.get("period", {}), resource.get("effectivePeriod", {})):
                assert all(v[:10] <= last for v in period.values())
