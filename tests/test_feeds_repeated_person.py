"""The council's CLD repeats the person on every row: the loader checks and stages a repeat once, and the stored
person is still exactly what "the last record with a key wins" gives."""

from __future__ import annotations

from pathlib import Path

from socialdata.feeds import ingest_path
from socialdata.feeds.asc_cld import COLUMNS as ASC_COLUMNS
from socialdata.store import Database
from socialdata.store.models import QuarantineItem, SourceEvent, SourcePerson
from test_feeds_builders import csv_text, nhs_number, register, rows


def _row(person: str, event: str, **values: str) -> list[str]:
    row = {
        "LA_Code": "LA900",
        "LA_Person_Unique_Identifier": person,
        "NHS_Number": nhs_number(7),
        "Given_Name": "Ann",
        "Family_Name": "BROWN",
        "Date_of_Birth": "03/02/1950",
        "Gender": "Female",
        "Postcode": "BS20JB",
        "Event_Type": "Service",
        "Event_Reference": event,
        "Event_Start_Date": "01/02/2024",
    }
    row.update(values)
    return [row.get(c, "") for c in ASC_COLUMNS]


def _load(db: Database, path: Path, table: list[list[str]]) -> tuple[int, int]:
    path.write_text(csv_text(list(ASC_COLUMNS), table), encoding="utf-8")
    [result] = ingest_path(db, path, "LA900")
    return result.records_loaded, result.records_quarantined


def _people(db: Database) -> dict[str, tuple[str | None, str | None, list[str]]]:
    """Per person: given name, postcode and the fields its identity flags name."""
    return {
        p.source_id: (p.given_name, p.postcode, [flag.split(":")[0] for flag in p.identity_flags])
        for p in rows(db, SourcePerson)
    }


def test_a_person_repeated_on_consecutive_rows_is_stored_once_with_every_event(db: Database, tmp_path: Path) -> None:
    register(db, "LA900", "council")
    table = [_row("C1", f"E{n}") for n in range(1, 5)] + [_row("C2", "E5", Given_Name="Bea", NHS_Number="123")]
    assert _load(db, tmp_path / "asc_cld.csv", table) == (5, 0)
    assert _people(db) == {
        "C1": ("Ann", "BS2 0JB", []),
        "C2": ("Bea", "BS2 0JB", ["nhs_number"]),
    }
    assert {(e.source_id, e.person_source_id) for e in rows(db, SourceEvent)} == {
        ("E1", "C1"), ("E2", "C1"), ("E3", "C1"), ("E4", "C1"), ("E5", "C2"),
    }  # fmt: skip


def test_the_last_row_of_a_person_wins_when_a_later_row_differs(db: Database, tmp_path: Path) -> None:
    register(db, "LA900", "council")
    table = [
        _row("C1", "E1"),
        _row("C1", "E2", Given_Name="Anne"),  # consecutive, changed
        _row("C2", "E3"),
        _row("C1", "E4", Given_Name="Anne", Postcode="BS1 4DJ"),  # after another person, changed again
        _row("C1", "E5", Given_Name="Anne", Postcode="BS1 4DJ"),  # a repeat of that
        _row("C2", "E6", Postcode="nowhere"),  # not consecutive with C2's first row
    ]
    assert _load(db, tmp_path / "asc_cld.csv", table) == (6, 0)
    assert _people(db) == {
        "C1": ("Anne", "BS1 4DJ", []),
        "C2": ("Ann", None, ["postcode"]),
    }


def test_a_repeat_after_a_quarantined_row_still_stores_the_person(db: Database, tmp_path: Path) -> None:
    """The person is remembered only once staged: a row quarantined for its event does not make the next a repeat."""
    register(db, "LA900", "council")
    table = [
        _row("C1", "E1", Event_Type="Wibble"),
        _row("C1", "E2"),
        _row("C2", "E3", Gender="Robot"),
        _row("C2", "E4", Gender="Robot"),  # a repeat of a rejected person is checked (and rejected) again
    ]
    assert _load(db, tmp_path / "asc_cld.csv", table) == (1, 3)
    assert _people(db) == {"C1": ("Ann", "BS2 0JB", [])}
    assert [(e.source_id, e.person_source_id) for e in rows(db, SourceEvent)] == [("E2", "C1")]
    assert sorted((q.location, q.field) for q in rows(db, QuarantineItem)) == [
        ("row 2", "Event_Type"), ("row 4", "Gender"), ("row 5", "Gender"),
    ]  # fmt: skip
