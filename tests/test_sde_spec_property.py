"""Property: on any small tables, every engine gives what the documented rules give, computed here in plain Python.

The rules under test: missing values follow SQL (a missing condition drops the row), first/last rows sort by the
keys with missing first and break ties by the table's other columns in order, counts are 0 and exists False when a
patient has no rows, a patient's own values can be used inside row conditions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdata.sde.definitions.query_language import Dataset, clinical_events, create_dataset, patients, years
from test_sde_spec import ENGINES, Rows, _duckdb, _normalise, _postgres

PEOPLE = ["a", "b", "c"]
COLUMNS = ["date", "code_system", "code", "numeric_value", "source"]

maybe_date = st.one_of(st.none(), st.dates(dt.date(2019, 12, 30), dt.date(2020, 1, 3)))
events = st.lists(
    st.fixed_dictionaries(
        {
            "patient_id": st.sampled_from(PEOPLE),
            "date": maybe_date,
            "code_system": st.sampled_from(["snomedct", "icd10"]),
            "code": st.one_of(st.none(), st.sampled_from(["X", "Y"])),
            "numeric_value": st.one_of(st.none(), st.sampled_from([1.0, 2.5, -3.0])),
            "source": st.just("gp"),
        }
    ),
    max_size=12,
)
births = st.lists(st.one_of(st.none(), st.dates(dt.date(2018, 12, 30), dt.date(2019, 1, 3))), min_size=3, max_size=3)


def definition() -> Dataset:
    ordered = clinical_events.sort_by(clinical_events.date)
    not_y = clinical_events.where(clinical_events.code != "Y")
    dataset = create_dataset()
    dataset.define_population(patients.exists_for_patient())
    dataset.x_events = clinical_events.where(clinical_events.code == "X").count_for_patient()
    dataset.first_code = ordered.first_for_patient().code
    dataset.last_value = ordered.last_for_patient().numeric_value
    dataset.highest = clinical_events.numeric_value.maximum_for_patient()
    dataset.not_y_total = not_y.numeric_value.sum_for_patient()
    dataset.a_year_on = clinical_events.where(
        clinical_events.date >= patients.date_of_birth + years(1)
    ).exists_for_patient()
    return dataset


def _key(row: dict[str, Any]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, 0) if row[c] is None else (1, row[c]) for c in COLUMNS)


def expected(event_rows: Rows, born: dict[str, dt.date | None]) -> Rows:
    """The same rows, by the documented rules, in plain Python."""
    out = []
    for person in PEOPLE:
        mine = sorted((r for r in event_rows if r["patient_id"] == person), key=_key)
        values = [r["numeric_value"] for r in mine if r["numeric_value"] is not None]
        not_y = [r["numeric_value"] for r in mine if r["code"] is not None and r["code"] != "Y"]
        not_y_values = [v for v in not_y if v is not None]
        birth = born[person]
        anniversary = None if birth is None else birth.replace(year=birth.year + 1)
        out.append(
            {
                "patient_id": person,
                "x_events": sum(1 for r in mine if r["code"] == "X"),
                "first_code": mine[0]["code"] if mine else None,
                "last_value": mine[-1]["numeric_value"] if mine else None,
                "highest": max(values) if values else None,
                "not_y_total": sum(not_y_values) if not_y_values else None,
                "a_year_on": any(
                    r["date"] is not None and anniversary is not None and r["date"] >= anniversary for r in mine
                ),
            }
        )
    return out


def _as_input(event_rows: Rows) -> Rows:
    return [{**r, "date": r["date"].isoformat() if r["date"] else None} for r in event_rows]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_rows=events, born=births)
def _check(engine_name: str, folder: Path, event_rows: Rows, born: list[dt.date | None]) -> None:
    births_by_person = dict(zip(PEOPLE, born, strict=True))
    tables = {
        "patients": [
            {"patient_id": p, "date_of_birth": b.isoformat() if b else None} for p, b in births_by_person.items()
        ],
        "clinical_events": _as_input(event_rows),
    }
    engines = _duckdb(tables, folder) if engine_name == "duckdb" else _postgres(tables)
    for engine in engines:
        result = engine.run(definition().query()).to_pylist()
        assert _normalise(result) == _normalise(expected(event_rows, births_by_person))
    (folder / "spec.duckdb").unlink(missing_ok=True)


def test_every_engine_follows_the_rules(tmp_path: Path) -> None:
    for engine_name in ENGINES:
        _check(engine_name, tmp_path)
