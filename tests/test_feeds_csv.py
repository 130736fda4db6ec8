"""CSV extracts: the council's ASC CLD, GP registrations and events, operational data; encodings and bad rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from socialdata.errors import UserError
from socialdata.feeds import ingest_path
from socialdata.feeds.asc_cld import COLUMNS as ASC_COLUMNS
from socialdata.feeds.gp_extracts import EVENT_COLUMNS, REGISTRATION_COLUMNS
from socialdata.store import Database
from socialdata.store.models import (
    BedState,
    CareHomeVacancy,
    FeedSubmission,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
    SupplyStock,
)
from test_feeds_builders import count, csv_text, nhs_number, register, rows


def _asc_row(person: str, event: str, event_type: str = "Service", **values: str) -> list[str]:
    row = {
        "LA_Code": "LA900",
        "LA_Person_Unique_Identifier": person,
        "NHS_Number": nhs_number(7),
        "Given_Name": "Zoë",
        "Family_Name": "Brown",
        "Date_of_Birth": "03/02/1950",
        "Gender": "Female",
        "Postcode": "bs2 0jb",
        "Primary_Support_Reason": "Physical Support",
        "Event_Type": event_type,
        "Event_Reference": event,
        "Event_Start_Date": "01/02/2024",
        "Unit_Cost": "18.50",
        "Cost_Frequency_Unit_Type": "Hourly",
    }
    row.update(values)
    return [row.get(c, "") for c in ASC_COLUMNS]


def _load(db: Database, path: Path, org: str, text: str, **kwargs: object):  # type: ignore[no-untyped-def]
    path.write_text(text, encoding="utf-8")
    [result] = ingest_path(db, path, org, **kwargs)  # type: ignore[arg-type]
    return result


def test_asc_cld_loads_one_person_per_client_and_one_event_per_row(db: Database, tmp_path: Path) -> None:
    register(db, "LA900", "council")
    text = csv_text(
        list(reversed(ASC_COLUMNS)),  # column order does not matter
        [
            list(reversed(_asc_row("C1", "E1", "Request", Unit_Cost="", Cost_Frequency_Unit_Type=""))),
            list(reversed(_asc_row("C1", "E2", Event_End_Date="01/02/2030"))),
            list(reversed(_asc_row("C2", "E3", "Review", NHS_Number=""))),
            list(reversed(_asc_row("C3", "E4", "Wibble"))),
        ],
    )
    result = _load(db, tmp_path / "asc_cld.csv", "LA900", text)
    assert (result.format, result.records_loaded, result.records_quarantined) == ("asc-cld", 3, 1)
    people = {p.source_id: p for p in rows(db, SourcePerson)}
    assert set(people) == {"C1", "C2"}
    assert (people["C1"].birth_date, people["C1"].postcode, people["C1"].given_name) == (
        dt.date(1950, 2, 3),
        "BS2 0JB",
        "Zoë",
    )
    assert (people["C2"].nhs_number_status, people["C2"].identity_flags) == ("missing", [])
    events = {e.source_id: e for e in rows(db, SourceEvent)}
    assert {k: e.kind for k, e in events.items()} == {"E1": "asc_request", "E2": "asc_service", "E3": "asc_review"}
    assert (events["E2"].value_num, events["E2"].end_at) == (18.5, dt.datetime(2030, 2, 1, tzinfo=dt.UTC))
    [item] = rows(db, QuarantineItem)
    assert (item.location, item.field) == ("row 5", "Event_Type")
    assert item.message == "Event_Type 'Wibble' is not one of Request, Assessment, Service, Review"


def test_gp_events_may_refer_to_patients_registered_in_an_earlier_file(db: Database, tmp_path: Path) -> None:
    register(db, "Y90001", "gp_practice")
    registrations = csv_text(
        list(REGISTRATION_COLUMNS),
        [
            [
                "Y90001",
                "G1",
                nhs_number(9),
                "Ann",
                "May",
                "Lee",
                "1970-05-06",
                "F",
                "3 Lane",
                "BS3 1AA",
                "2001-01-01",
                "",
                "",
                "Dr Who",
            ]
        ],
    )
    registered = _load(db, tmp_path / "gp_registrations.csv", "Y90001", registrations)
    assert (registered.format, registered.records_loaded) == ("gp-registrations", 1)
    [person] = rows(db, SourcePerson)
    assert (person.other_given_names, person.sex, person.registered_practice) == ("May", "female", "Y90001")
    events = csv_text(
        list(EVENT_COLUMNS),
        [
            ["Y90001", "G1", "V1", "observation", "27113001", "Body weight", "2024-02-03", "", "70.2", "kg", "final"],
            ["Y90001", "G1", "V2", "medication", "39720311000001101", "Drug", "2024-02-03", "2030-01-01", "", "", ""],
            ["Y90001", "G404", "V3", "problem", "44054006", "Diabetes", "2024-02-03", "", "", "", "active"],
            ["Y90001", "G1", "V4", "problem", "DIAB", "Diabetes", "2024-02-03", "", "", "", "active"],
            ["Y90002", "G1", "V5", "problem", "44054006", "Diabetes", "2024-02-03", "", "", "", "active"],
        ],
    )
    result = _load(db, tmp_path / "gp_events.csv", "Y90001", events)
    assert (result.format, result.records_loaded, result.records_quarantined) == ("gp-events", 2, 3)
    kinds = {e.source_id: (e.kind, e.code_system) for e in rows(db, SourceEvent) if e.kind != "registration"}
    assert kinds == {"V1": ("observation", "http://snomed.info/sct"), "V2": ("medication", "https://dmd.nhs.uk")}
    problems = {i.location: (i.field, i.message) for i in rows(db, QuarantineItem)}
    assert problems["row 4"][0] == "Patient_ID" and "'G404'" in problems["row 4"][1]
    assert problems["row 5"] == (
        "SNOMED_Code",
        "SNOMED_Code 'DIAB' is not a SNOMED CT or dm+d concept id (6 to 18 digits)",
    )
    assert problems["row 6"] == ("Practice_Code", "Practice_Code 'Y90002' is not Y90001, the organisation submitting")


def test_operational_files_load_and_a_later_day_file_updates_the_same_ward(db: Database, tmp_path: Path) -> None:
    register(db)
    register(db, "LA900", "council")
    beds = "Date,Ward,Specialty,Beds_Open,Beds_Occupied\n2026-11-01,Ward 1,Surgery,20,18\n2026-11-01,Ward 2,,10,-1\n"
    first = _load(db, tmp_path / "bed_state.csv", "RZZ", beds)
    assert (first.format, first.records_loaded, first.records_quarantined) == ("bed-state", 1, 1)
    again = _load(
        db,
        tmp_path / "bed_state_update.csv",
        "RZZ",
        "Date,Ward,Specialty,Beds_Open,Beds_Occupied\n2026-11-01,Ward 1,Surgery,22,21\n",
    )
    [bed] = rows(db, BedState)
    assert (bed.beds_open, bed.beds_occupied, bed.submission_id) == (22, 21, again.submission_id)
    homes = (
        "Date,Care_Home_Code,Care_Home_Name,Beds_Total,Vacancies,Accepting_Admissions\n"
        "2026-11-01,CH1,Elm House,30,2,Y\n"
    )
    assert _load(db, tmp_path / "care_home_vacancies.csv", "LA900", homes).format == "care-home-vacancies"
    [home] = rows(db, CareHomeVacancy)
    assert (home.vacancies, home.accepting_admissions, home.organisation_id) == (2, True, "LA900")
    stock = "Date,Site,Item_Code,Item_Name,Quantity,Unit,Days_Of_Cover\n2026-11-01,Main,GLV1,Gloves,500,box,4.5\n"
    assert _load(db, tmp_path / "supply_stock.csv", "RZZ", stock).records_loaded == 1
    [item] = rows(db, SupplyStock)
    assert (item.source_id, item.days_of_cover) == ("Main|GLV1|2026-11-01", 4.5)


def test_rows_with_too_many_or_too_few_fields_are_quarantined(db: Database, tmp_path: Path) -> None:
    register(db)
    text = (
        "Date,Ward,Specialty,Beds_Open,Beds_Occupied\n2026-11-01,W1,S,1,1,extra\n2026-11-01,W2\n2026-11-01,W3,S,1,1\n"
    )
    result = _load(db, tmp_path / "bed_state.csv", "RZZ", text)
    assert (result.records_loaded, result.records_quarantined) == (1, 2)
    items = rows(db, QuarantineItem)
    assert [(i.location, i.message) for i in items] == [
        ("row 2", "the row has 6 fields; the header has 5"),
        ("row 3", "the row has 2 fields; the header has 5"),
    ]
    assert items[0].raw == "2026-11-01,W1,S,1,1,extra"


def test_a_utf8_byte_order_mark_is_accepted(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "bed_state.csv"
    path.write_bytes(b"\xef\xbb\xbfDate,Ward,Specialty,Beds_Open,Beds_Occupied\r\n2026-11-01,W1,S,3,2\r\n")
    [result] = ingest_path(db, path, "RZZ")
    assert (result.status, result.records_loaded) == ("loaded", 1)


def test_a_latin1_file_is_rejected_naming_the_line_and_loads_with_its_encoding(db: Database, tmp_path: Path) -> None:
    register(db, "LA900", "council")
    path = tmp_path / "asc_cld.csv"
    text = csv_text(list(ASC_COLUMNS), [_asc_row("C1", "E1", Given_Name="Ann"), _asc_row("C2", "E2")])
    path.write_bytes(text.encode("latin-1"))
    [rejected] = ingest_path(db, path, "LA900")
    assert rejected.status == "rejected"
    column = text.splitlines()[2].index("ë") + 1
    assert rejected.message == (
        f"asc_cld.csv: line 3 is not valid utf-8: byte 0xEB at column {column} (if it is Latin-1, run again with "
        "--encoding latin-1)"
    )
    assert count(db, SourcePerson) == 0 and count(db, SourceEvent) == 0
    [loaded] = ingest_path(db, path, "LA900", encoding="latin-1")
    assert (loaded.status, loaded.submission_id, loaded.records_loaded) == ("loaded", rejected.submission_id, 2)
    assert {p.given_name for p in rows(db, SourcePerson)} == {"Ann", "Zoë"}


def test_an_unknown_encoding_is_a_clear_error(db: Database, tmp_path: Path) -> None:
    register(db)
    path = tmp_path / "bed_state.csv"
    path.write_text("Date,Ward,Specialty,Beds_Open,Beds_Occupied\n")
    with pytest.raises(UserError, match="--encoding: unknown encoding 'klingon'"):
        ingest_path(db, path, "RZZ", encoding="klingon")
    assert count(db, FeedSubmission) == 0


def test_a_header_without_rows_loads_nothing_and_a_folder_loads_each_file(db: Database, tmp_path: Path) -> None:
    register(db)
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "b_bed_state.csv").write_text("Date,Ward,Specialty,Beds_Open,Beds_Occupied\n")
    (folder / "a_supply_stock.csv").write_text("Date,Site,Item_Code,Item_Name,Quantity,Unit,Days_Of_Cover\n")
    results = ingest_path(db, folder, "RZZ")
    assert [(Path(r.file).name, r.status, r.records_loaded) for r in results] == [
        ("a_supply_stock.csv", "loaded", 0),
        ("b_bed_state.csv", "loaded", 0),
    ]
    assert count(db, FeedSubmission) == 2


def test_a_missing_path_is_a_clear_error(db: Database, tmp_path: Path) -> None:
    register(db)
    with pytest.raises(UserError, match="no such file or folder"):
        ingest_path(db, tmp_path / "nope.csv", "RZZ")
