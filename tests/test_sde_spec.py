"""Spec tests for dataset definitions, in the style of ehrQL's: small tables in, expected rows out, on every engine.

Each case is data: the input tables (rows as dicts, dates as ISO strings, absent columns missing), a definition built
from the query language, and the rows expected (dates as ISO strings). Every case runs on DuckDB, and on PostgreSQL
too when SDF_TEST_POSTGRES_URL is set (each test in its own scratch schema, dropped afterwards).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

from socialdata.governance.datasets import DATASETS, FieldType
from socialdata.sde.definitions import IbisEngine, duckdb_engine, postgres_engine
from socialdata.sde.definitions.query_language import (
    Dataset,
    care_packages,
    case,
    clinical_events,
    codelist,
    create_dataset,
    days,
    hospital_admissions,
    medications,
    months,
    patients,
    when,
    years,
)

POSTGRES_URL = os.environ.get("SDF_TEST_POSTGRES_URL")
ENGINES = ["duckdb", "postgres"] if POSTGRES_URL else ["duckdb"]

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    title: str
    tables: dict[str, Rows]
    define: Callable[[], Dataset]
    expected: Rows


def _dataset(population: Any, **variables: Any) -> Dataset:
    dataset = create_dataset()
    dataset.define_population(population)
    for name, value in variables.items():
        setattr(dataset, name, value)
    return dataset


P = "patient_id"
EVERYONE = patients.exists_for_patient()
THREE_PEOPLE = [
    {P: "a", "sex": "female", "date_of_birth": "1980-06-15", "imd_decile": 3},
    {P: "b", "sex": "male", "date_of_birth": "2000-02-29", "imd_decile": 9},
    {P: "c", "sex": "unknown"},
]
EVENTS = [
    {P: "a", "date": "2020-01-01", "code": "X1", "numeric_value": 5.0},
    {P: "a", "date": "2021-03-01", "code": "X2", "numeric_value": 7.5},
    {P: "a", "date": "2019-05-05", "code": "X1"},
    {P: "b", "date": "2022-02-02", "code": "Y9", "numeric_value": -1.0},
]
ADMISSIONS = [
    {P: "a", "admission_date": "2023-02-01", "discharge_date": "2023-02-05", "admission_method": "emergency"},
    {P: "a", "admission_date": "2023-02-01", "discharge_date": "2023-02-03", "admission_method": "emergency"},
    {P: "a", "admission_date": "2023-06-01", "admission_method": "elective", "primary_diagnosis": "I50.9"},
    {P: "b", "admission_date": None, "admission_method": "emergency", "primary_diagnosis": "J18.9"},
    {P: "b", "admission_date": "2023-03-03", "admission_method": "emergency", "primary_diagnosis": "R55"},
]


def _first_admission_discharge() -> Dataset:
    ordered = hospital_admissions.sort_by(hospital_admissions.admission_date)
    return _dataset(
        hospital_admissions.exists_for_patient(),
        first_discharge=ordered.first_for_patient().discharge_date,
        first_diagnosis=ordered.first_for_patient().primary_diagnosis,
        last_admitted=ordered.last_for_patient().admission_date,
        last_method=ordered.last_for_patient().admission_method,
    )


def _emergency_and_elective() -> Dataset:
    emergency = hospital_admissions.where(hospital_admissions.admission_method == "emergency")
    elective = hospital_admissions.where(hospital_admissions.admission_method == "elective")
    return _dataset(
        EVERYONE,
        emergency=emergency.count_for_patient(),
        elective=elective.count_for_patient(),
        all_admissions=hospital_admissions.count_for_patient(),
        last_emergency=emergency.sort_by(emergency.admission_date).last_for_patient().admission_date,
        first_elective_dx=elective.sort_by(elective.admission_date).first_for_patient().primary_diagnosis,
    )


def _chained_filters() -> Dataset:
    recent = clinical_events.where(clinical_events.date >= "2020-01-01")
    recent_x1 = recent.where(recent.code == "X1")
    return _dataset(EVERYONE, recent=recent.count_for_patient(), recent_x1=recent_x1.count_for_patient())


def _except_where() -> Dataset:
    # X1 rows with a value over 6 go; a row without a value stays (its condition is missing, not true).
    kept = clinical_events.except_where(clinical_events.numeric_value > 6)
    return _dataset(EVERYONE, kept=kept.count_for_patient())


def _aggregates() -> Dataset:
    values = clinical_events.numeric_value
    return _dataset(
        EVERYONE,
        lowest=values.minimum_for_patient(),
        highest=values.maximum_for_patient(),
        total=values.sum_for_patient(),
        mean=values.mean_for_patient(),
        codes=clinical_events.code.count_distinct_for_patient(),
        first_date=clinical_events.date.minimum_for_patient(),
        last_date=clinical_events.date.maximum_for_patient(),
    )


def _codelists() -> Dataset:
    x_codes = codelist(["X1", "X3"], system="snomedct")
    return _dataset(
        EVERYONE,
        has_x=clinical_events.where(clinical_events.code.is_in(x_codes)).exists_for_patient(),
        not_x=clinical_events.where(clinical_events.code.is_not_in(x_codes)).count_for_patient(),
        in_decile=patients.imd_decile.is_in([1, 2, 3]),
    )


def _date_arithmetic() -> Dataset:
    born = patients.date_of_birth
    return _dataset(
        born.is_not_null(),
        plus_year=born + years(1),
        plus_month=born + months(1),
        minus_days=born - days(60),
        plus_weeks_days=born + days(14),
        back_a_month=born + months(-1),
        plus_decile_days=born + days(patients.imd_decile),
    )


def _date_differences() -> Dataset:
    born = patients.date_of_birth
    return _dataset(
        born.is_not_null(),
        age_2024=patients.age_on("2024-02-28"),
        age_2024_after=patients.age_on("2024-03-01"),
        months_to=("2000-04-15" - born).months,
        days_to=("2000-03-10" - born).days,
        years_back=(dt.date(1979, 6, 16) - born).years,
        year=born.year,
        month=born.month,
        day=born.day,
    )


def _three_valued_logic() -> Dataset:
    has_sex = patients.sex == "female"
    deprived = patients.imd_decile <= 3  # missing for c
    return _dataset(
        EVERYONE,
        both=has_sex & deprived,
        either=has_sex | deprived,
        neither=~(has_sex | deprived),
        deprived_or_true=deprived | True,
        deprived_and_false=deprived & False,
    )


def _case_when() -> Dataset:
    decile = patients.imd_decile
    return _dataset(
        EVERYONE,
        band=case(when(decile <= 3).then("most deprived"), when(decile <= 7).then("middle"), otherwise="least"),
        band_no_default=case(when(decile <= 3).then(1), when(decile >= 8).then(3)),
    )


def _arithmetic_and_nulls() -> Dataset:
    decile = patients.imd_decile
    return _dataset(
        EVERYONE,
        doubled=decile * 2,
        halved=decile / 2,
        by_zero=decile / (decile - decile),
        shifted=decile + 0.5,
        negated=-decile,
        filled=decile.when_null_then(0),
        missing=decile.is_null(),
        sex_filled=patients.sex.when_null_then("n/a"),
    )


def _patient_values_in_rows() -> Dataset:
    adult = clinical_events.where(clinical_events.date >= patients.date_of_birth + years(40))
    age_at_event = (clinical_events.date - patients.date_of_birth).years
    return _dataset(
        EVERYONE,
        adult_events=adult.count_for_patient(),
        oldest_at_event=age_at_event.maximum_for_patient(),
    )


def _betweens() -> Dataset:
    date = clinical_events.date
    return _dataset(
        EVERYONE,
        on_or_between=clinical_events.where(date.is_on_or_between("2020-01-01", "2021-03-01")).count_for_patient(),
        strictly_between=clinical_events.where(
            date.is_between_but_not_on("2020-01-01", "2021-03-01")
        ).count_for_patient(),
        before=clinical_events.where(date.is_before("2020-01-01")).count_for_patient(),
        on_or_after=clinical_events.where(date.is_on_or_after("2022-02-02")).count_for_patient(),
    )


def _without_patients_table() -> Dataset:
    return _dataset(
        ~medications.exists_for_patient(),
        events=clinical_events.count_for_patient(),
    )


def _sorted_then_filtered() -> Dataset:
    ordered = clinical_events.sort_by(clinical_events.date)
    return _dataset(
        ordered.exists_for_patient(),
        first_x1=ordered.where(ordered.code == "X1").first_for_patient().date,
        last_not_x1=ordered.except_where(ordered.code == "X1").last_for_patient().code,
        has_first=ordered.first_for_patient().exists_for_patient(),
    )


def _care_costs() -> Dataset:
    services = care_packages.where(care_packages.event_type == "service")
    return _dataset(
        services.exists_for_patient() & (services.weekly_cost.sum_for_patient() > 100),
        cost=services.weekly_cost.sum_for_patient(),
        latest=services.sort_by(services.start_date, services.service_type).last_for_patient().service_type,
        open_services=services.where(services.end_date.is_null()).count_for_patient(),
    )


SPECS = [
    Spec(
        "patients' columns, one row each",
        {"patients": THREE_PEOPLE},
        lambda: _dataset(EVERYONE, sex=patients.sex, born=patients.date_of_birth, decile=patients.imd_decile),
        [
            {P: "a", "sex": "female", "born": "1980-06-15", "decile": 3},
            {P: "b", "sex": "male", "born": "2000-02-29", "decile": 9},
            {P: "c", "sex": "unknown", "born": None, "decile": None},
        ],
    ),
    Spec(
        "population from events; exists and count never missing",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS, "hospital_admissions": []},
        lambda: _dataset(
            EVERYONE,
            any_event=clinical_events.exists_for_patient(),
            events=clinical_events.count_for_patient(),
            admissions=hospital_admissions.count_for_patient(),
        ),
        [
            {P: "a", "any_event": True, "events": 3, "admissions": 0},
            {P: "b", "any_event": True, "events": 1, "admissions": 0},
            {P: "c", "any_event": False, "events": 0, "admissions": 0},
        ],
    ),
    Spec(
        "define_population keeps only those with events",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        lambda: _dataset(clinical_events.count_for_patient() >= 2, sex=patients.sex),
        [{P: "a", "sex": "female"}],
    ),
    Spec(
        "first/last row: missing sort values first, ties broken by the other columns",
        {"patients": THREE_PEOPLE, "hospital_admissions": ADMISSIONS},
        _first_admission_discharge,
        [
            {
                P: "a",
                "first_discharge": "2023-02-03",
                "first_diagnosis": None,
                "last_admitted": "2023-06-01",
                "last_method": "elective",
            },
            {
                P: "b",
                "first_discharge": None,
                "first_diagnosis": "J18.9",
                "last_admitted": "2023-03-03",
                "last_method": "emergency",
            },
        ],
    ),
    Spec(
        "differently filtered frames of one table, each counted on its own rows",
        {"patients": THREE_PEOPLE, "hospital_admissions": ADMISSIONS},
        _emergency_and_elective,
        [
            {
                P: "a",
                "emergency": 2,
                "elective": 1,
                "all_admissions": 3,
                "last_emergency": "2023-02-01",
                "first_elective_dx": "I50.9",
            },
            {
                P: "b",
                "emergency": 2,
                "elective": 0,
                "all_admissions": 2,
                "last_emergency": "2023-03-03",
                "first_elective_dx": None,
            },
            {
                P: "c",
                "emergency": 0,
                "elective": 0,
                "all_admissions": 0,
                "last_emergency": None,
                "first_elective_dx": None,
            },
        ],
    ),
    Spec(
        "where() chained",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _chained_filters,
        [
            {P: "a", "recent": 2, "recent_x1": 1},
            {P: "b", "recent": 1, "recent_x1": 0},
            {P: "c", "recent": 0, "recent_x1": 0},
        ],
    ),
    Spec(
        "except_where keeps rows whose condition is missing",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _except_where,
        [{P: "a", "kept": 2}, {P: "b", "kept": 1}, {P: "c", "kept": 0}],
    ),
    Spec(
        "minimum, maximum, sum, mean, distinct count (missing when no values)",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _aggregates,
        [
            {
                P: "a",
                "lowest": 5.0,
                "highest": 7.5,
                "total": 12.5,
                "mean": 6.25,
                "codes": 2,
                "first_date": "2019-05-05",
                "last_date": "2021-03-01",
            },
            {
                P: "b",
                "lowest": -1.0,
                "highest": -1.0,
                "total": -1.0,
                "mean": -1.0,
                "codes": 1,
                "first_date": "2022-02-02",
                "last_date": "2022-02-02",
            },
            {
                P: "c",
                "lowest": None,
                "highest": None,
                "total": None,
                "mean": None,
                "codes": 0,
                "first_date": None,
                "last_date": None,
            },
        ],
    ),
    Spec(
        "codelists and is_in",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _codelists,
        [
            {P: "a", "has_x": True, "not_x": 1, "in_decile": True},
            {P: "b", "has_x": False, "not_x": 1, "in_decile": False},
            {P: "c", "has_x": False, "not_x": 0, "in_decile": None},
        ],
    ),
    Spec(
        "adding years, months and days (a month past its end clamps to the last day)",
        {"patients": THREE_PEOPLE},
        _date_arithmetic,
        [
            {
                P: "a",
                "plus_year": "1981-06-15",
                "plus_month": "1980-07-15",
                "minus_days": "1980-04-16",
                "plus_weeks_days": "1980-06-29",
                "back_a_month": "1980-05-15",
                "plus_decile_days": "1980-06-18",
            },
            {
                P: "b",
                "plus_year": "2001-02-28",
                "plus_month": "2000-03-29",
                "minus_days": "1999-12-31",
                "plus_weeks_days": "2000-03-14",
                "back_a_month": "2000-01-29",
                "plus_decile_days": "2000-03-09",
            },
        ],
    ),
    Spec(
        "ages and date differences in whole units, rounded down",
        {"patients": THREE_PEOPLE},
        _date_differences,
        [
            {
                P: "a",
                "age_2024": 43,
                "age_2024_after": 43,
                "months_to": 238,
                "days_to": 7208,
                "years_back": -1,
                "year": 1980,
                "month": 6,
                "day": 15,
            },
            {
                P: "b",
                "age_2024": 23,
                "age_2024_after": 24,
                "months_to": 1,
                "days_to": 10,
                "years_back": -21,
                "year": 2000,
                "month": 2,
                "day": 29,
            },
        ],
    ),
    Spec(
        "three-valued logic: a missing value is neither true nor false",
        {"patients": THREE_PEOPLE},
        _three_valued_logic,
        [
            {
                P: "a",
                "both": True,
                "either": True,
                "neither": False,
                "deprived_or_true": True,
                "deprived_and_false": False,
            },
            {
                P: "b",
                "both": False,
                "either": False,
                "neither": True,
                "deprived_or_true": True,
                "deprived_and_false": False,
            },
            {
                P: "c",
                "both": False,
                "either": None,
                "neither": None,
                "deprived_or_true": True,
                "deprived_and_false": False,
            },
        ],
    ),
    Spec(
        "case/when bands, with and without otherwise",
        {"patients": THREE_PEOPLE},
        _case_when,
        [
            {P: "a", "band": "most deprived", "band_no_default": 1},
            {P: "b", "band": "least", "band_no_default": 3},
            {P: "c", "band": "least", "band_no_default": None},
        ],
    ),
    Spec(
        "arithmetic; dividing by zero is missing; filling missing values",
        {"patients": THREE_PEOPLE},
        _arithmetic_and_nulls,
        [
            {
                P: "a",
                "doubled": 6,
                "halved": 1.5,
                "by_zero": None,
                "shifted": 3.5,
                "negated": -3,
                "filled": 3,
                "missing": False,
                "sex_filled": "female",
            },
            {
                P: "b",
                "doubled": 18,
                "halved": 4.5,
                "by_zero": None,
                "shifted": 9.5,
                "negated": -9,
                "filled": 9,
                "missing": False,
                "sex_filled": "male",
            },
            {
                P: "c",
                "doubled": None,
                "halved": None,
                "by_zero": None,
                "shifted": None,
                "negated": None,
                "filled": 0,
                "missing": True,
                "sex_filled": "unknown",
            },
        ],
    ),
    Spec(
        "a patient's own values inside row conditions and aggregations",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _patient_values_in_rows,
        [
            {P: "a", "adult_events": 1, "oldest_at_event": 40},
            {P: "b", "adult_events": 0, "oldest_at_event": 21},
            {P: "c", "adult_events": 0, "oldest_at_event": None},
        ],
    ),
    Spec(
        "date ranges: on or between, strictly between, before, on or after",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _betweens,
        [
            {P: "a", "on_or_between": 2, "strictly_between": 0, "before": 1, "on_or_after": 0},
            {P: "b", "on_or_between": 0, "strictly_between": 0, "before": 0, "on_or_after": 1},
            {P: "c", "on_or_between": 0, "strictly_between": 0, "before": 0, "on_or_after": 0},
        ],
    ),
    Spec(
        "without a patients table, the people are those in the tables used",
        {"clinical_events": EVENTS, "medications": [{P: "b", "date": "2020-01-01", "code": "M1"}, {P: "z"}]},
        _without_patients_table,
        [{P: "a", "events": 3}],
    ),
    Spec(
        "a sorted frame filtered again, then picked",
        {"patients": THREE_PEOPLE, "clinical_events": EVENTS},
        _sorted_then_filtered,
        [
            {P: "a", "first_x1": "2019-05-05", "last_not_x1": "X2", "has_first": True},
            {P: "b", "first_x1": None, "last_not_x1": "Y9", "has_first": True},
        ],
    ),
    Spec(
        "care package costs: population on an aggregate, two sort keys",
        {
            "patients": THREE_PEOPLE,
            "care_packages": [
                {
                    P: "a",
                    "event_type": "service",
                    "start_date": "2022-01-01",
                    "service_type": "home care",
                    "weekly_cost": 80.0,
                },
                {
                    P: "a",
                    "event_type": "service",
                    "start_date": "2022-01-01",
                    "service_type": "day care",
                    "weekly_cost": 40.5,
                },
                {P: "a", "event_type": "review", "start_date": "2023-01-01", "end_date": "2023-01-01"},
                {
                    P: "b",
                    "event_type": "service",
                    "start_date": "2021-01-01",
                    "end_date": "2021-06-01",
                    "weekly_cost": 500.0,
                },
                {P: "c", "event_type": "service", "start_date": "2021-01-01", "weekly_cost": 20.0},
            ],
        },
        _care_costs,
        [
            {P: "a", "cost": 120.5, "latest": "home care", "open_services": 2},
            {P: "b", "cost": 500.0, "latest": None, "open_services": 0},
        ],
    ),
]


# --- engines -------------------------------------------------------------------------------------------------

_ARROW = {
    FieldType.TEXT: pa.string(),
    FieldType.DATE: pa.date32(),
    FieldType.INTEGER: pa.int32(),
    FieldType.NUMBER: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
}
_POSTGRES = {
    FieldType.TEXT: "text",
    FieldType.DATE: "date",
    FieldType.INTEGER: "integer",
    FieldType.NUMBER: "double precision",
    FieldType.BOOLEAN: "boolean",
}


def _typed(name: str, rows: Rows) -> dict[str, list[Any]]:
    """Columns of a table in full (absent values missing), dates parsed."""
    columns: dict[str, list[Any]] = {}
    for field in DATASETS[name].fields:
        values = [row.get(field.name) for row in rows]
        if field.type is FieldType.DATE:
            values = [dt.date.fromisoformat(v) if v else None for v in values]
        columns[field.name] = values
    return columns


def _duckdb(tables: dict[str, Rows], folder: Path) -> Iterator[IbisEngine]:
    path = folder / "spec.duckdb"
    connection = duckdb.connect(str(path))
    for name, rows in tables.items():
        schema = pa.schema([(f.name, _ARROW[f.type]) for f in DATASETS[name].fields])
        connection.register("incoming", pa.table(_typed(name, rows), schema=schema))
        connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        connection.unregister("incoming")
    connection.close()
    engine = duckdb_engine(path)
    yield engine
    engine.close()


def _postgres(tables: dict[str, Rows]) -> Iterator[IbisEngine]:
    assert POSTGRES_URL
    schema = f"sde_spec_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        for name, rows in tables.items():
            fields = DATASETS[name].fields
            columns = ", ".join(f'"{f.name}" {_POSTGRES[f.type]}' for f in fields)
            connection.execute(f'CREATE TABLE "{schema}"."{name}" ({columns})')
            typed = _typed(name, rows)
            values = list(zip(*typed.values(), strict=True))
            placeholders = ", ".join(["%s"] * len(fields))
            with connection.cursor() as cursor:
                cursor.executemany(f'INSERT INTO "{schema}"."{name}" VALUES ({placeholders})', values)
    engine = postgres_engine(POSTGRES_URL, schema)
    try:
        yield engine
    finally:
        engine.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _normalise(rows: Rows) -> Rows:
    out = []
    for row in sorted(rows, key=lambda r: r[P]):
        out.append(
            {
                k: v.isoformat() if isinstance(v, dt.date) else round(v, 6) if isinstance(v, float) else v
                for k, v in row.items()
            }
        )
    return out


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("spec", SPECS, ids=[s.title for s in SPECS])
def test_spec(spec: Spec, engine_name: str, tmp_path: Path) -> None:
    query = spec.define().query()
    engines = _duckdb(spec.tables, tmp_path) if engine_name == "duckdb" else _postgres(spec.tables)
    for engine in engines:
        result = engine.run(query)
        assert result.column_names == [P, *(name for name, _ in query.variables)]
        assert _normalise(result.to_pylist()) == _normalise(spec.expected)
