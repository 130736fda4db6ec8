"""Dataset definitions: mistakes said plainly, loading files, dummy data, writing results, engines against pandas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from socialdata.errors import UserError
from socialdata.sde.definitions import (
    duckdb_engine,
    load_definition,
    postgres_engine,
    run_definition,
    write_results,
)
from socialdata.sde.definitions.dummy_data import generate_dummy_tables
from socialdata.sde.definitions.query_language import (
    clinical_events,
    codelist,
    create_dataset,
    days,
    hospital_admissions,
    medications,
    patients,
)
from socialdata.sde.definitions.query_model import nodes

POSTGRES_URL = os.environ.get("SDF_TEST_POSTGRES_URL")
ENGINES = ["duckdb", "postgres"] if POSTGRES_URL else ["duckdb"]

DEFINITION = """
from socialdata.sde.definitions.query_language import *

heart_failure = codelist_from_csv("codelists/heart-failure.csv", column="code")
emergency = hospital_admissions.where(hospital_admissions.admission_method == "emergency")

dataset = create_dataset()
dataset.define_population(emergency.exists_for_patient() & patients.date_of_birth.is_not_null())
dataset.age_band = case(when(patients.age_on("2024-01-01") < 65).then("under 65"), otherwise="65 and over")
dataset.emergencies = emergency.count_for_patient()
dataset.last_emergency = emergency.sort_by(emergency.admission_date).last_for_patient().admission_date
dataset.heart_failure = clinical_events.where(clinical_events.code.is_in(heart_failure)).exists_for_patient()
dataset.service = care_packages.where(care_packages.event_type == "service").exists_for_patient()
"""


def _write_definition(folder: Path, text: str = DEFINITION) -> Path:
    (folder / "codelists").mkdir(exist_ok=True)
    (folder / "codelists" / "heart-failure.csv").write_text("code,term\n84114007,Heart failure\nI50.9,HF\n")
    path = folder / "definition.py"
    path.write_text(text)
    return path


def _message(error: pytest.ExceptionInfo[UserError]) -> str:
    return str(error.value)


# --- mistakes, said plainly ----------------------------------------------------------------------------------


def test_comparing_a_date_with_a_number_names_both() -> None:
    with pytest.raises(UserError) as error:
        _ = clinical_events.date > 5
    assert "cannot compare clinical_events.date (a date) with 5 (a number)" in _message(error)


def test_an_event_level_variable_is_refused_naming_the_variable() -> None:
    dataset = create_dataset()
    with pytest.raises(UserError) as error:
        dataset.code = clinical_events.code
    assert "variable 'code'" in _message(error)
    assert "one value per row of clinical_events, not one per patient" in _message(error)


def test_mixing_two_event_tables_is_refused() -> None:
    with pytest.raises(UserError) as error:
        _ = clinical_events.date > medications.date
    assert "cannot combine values from rows of" in _message(error)
    assert "medications" in _message(error) and "clinical_events" in _message(error)


def test_filtering_one_table_by_another_tables_rows_is_refused() -> None:
    with pytest.raises(UserError) as error:
        clinical_events.where(medications.code == "x")
    assert "is about rows of medications, not of clinical_events" in _message(error)


def test_an_event_level_population_is_refused() -> None:
    with pytest.raises(UserError) as error:
        create_dataset().define_population(clinical_events.code == "x")
    assert "the population has one value per row of clinical_events" in _message(error)


def test_unknown_column_lists_the_columns() -> None:
    with pytest.raises(UserError) as error:
        _ = hospital_admissions.admitted_on
    assert "table hospital_admissions has no column 'admitted_on'" in _message(error)
    assert "admission_date" in _message(error)


def test_python_and_or_not_on_a_series_is_refused() -> None:
    with pytest.raises(UserError) as error:
        _ = (patients.sex == "male") and (patients.imd_decile > 3)
    assert "combine conditions with &, | and ~" in _message(error)


def test_a_variable_cannot_be_set_twice_or_named_patient_id() -> None:
    dataset = create_dataset()
    dataset.sex = patients.sex
    with pytest.raises(UserError, match="already set"):
        dataset.sex = patients.sex
    with pytest.raises(UserError, match="cannot be a variable name"):
        dataset.patient_id = patients.sex


def test_no_population_is_reported() -> None:
    dataset = create_dataset()
    dataset.sex = patients.sex
    with pytest.raises(UserError, match="no population"):
        dataset.query()


def test_arithmetic_on_dates_points_to_durations() -> None:
    with pytest.raises(UserError, match=r"add days\(\), months\(\) or years\(\) to a date, not 5"):
        _ = patients.date_of_birth + 5  # type: ignore[operator]


def test_a_bad_date_string_is_named() -> None:
    with pytest.raises(UserError, match="'2024-13-01' is not a date"):
        _ = patients.date_of_birth < "2024-13-01"


def test_the_query_model_is_frozen() -> None:
    node = (patients.date_of_birth + days(1)).node
    assert isinstance(node, nodes.DateAdd)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.unit = nodes.DateUnit.YEARS  # type: ignore[misc]


# --- loading definition files --------------------------------------------------------------------------------


def test_load_definition_reads_codelists_beside_the_file(tmp_path: Path) -> None:
    dataset = load_definition(_write_definition(tmp_path))
    assert dataset.variables == ("age_band", "emergencies", "last_emergency", "heart_failure", "service")
    codes = [n for n in nodes.walk(dataset.query().variables[3][1]) if isinstance(n, nodes.IsIn)]
    assert codes[0].values == frozenset({"84114007", "I50.9"})


def test_a_mistake_in_a_definition_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write_definition(
        tmp_path,
        "from socialdata.sde.definitions.query_language import *\n"
        "dataset = create_dataset()\n"
        "dataset.define_population(patients.exists_for_patient())\n"
        "dataset.bad = patients.date_of_birth > 3\n",
    )
    with pytest.raises(UserError) as error:
        load_definition(path)
    assert error.value.where == "definition.py, line 4"
    assert "cannot compare patients.date_of_birth" in error.value.message


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _write_definition(tmp_path, "dataset = (\n")
    with pytest.raises(UserError) as error:
        load_definition(path)
    assert error.value.where == "definition.py, line 1"


def test_a_definition_without_dataset_is_refused(tmp_path: Path) -> None:
    path = _write_definition(tmp_path, "x = 1\n")
    with pytest.raises(UserError, match="variable named `dataset`"):
        load_definition(path)


def test_a_missing_codelist_file_is_named(tmp_path: Path) -> None:
    path = _write_definition(tmp_path, DEFINITION.replace("heart-failure.csv", "missing.csv"))
    with pytest.raises(UserError) as error:
        load_definition(path)
    assert "there is no codelist file" in error.value.message and "missing.csv" in error.value.message
    assert error.value.where == "definition.py, line 4"


# --- dummy data and running ----------------------------------------------------------------------------------


@pytest.fixture
def dummy(tmp_path: Path) -> tuple[Path, Path]:
    definition = _write_definition(tmp_path)
    extract = generate_dummy_tables(tmp_path / "dummy.duckdb", 2_000, seed=3, dataset=load_definition(definition))
    return definition, extract


def test_dummy_tables_are_shaped_like_an_extract(dummy: tuple[Path, Path]) -> None:
    _, extract = dummy
    connection = duckdb.connect(str(extract), read_only=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert tables == {"patients", "clinical_events", "medications", "hospital_admissions", "care_packages"}
        assert connection.execute("SELECT count(*), count(DISTINCT patient_id) FROM patients").fetchone() == (
            2_000,
            2_000,
        )
        earliest, latest = connection.execute("SELECT min(date), max(date) FROM clinical_events").fetchone()  # type: ignore[misc]
        assert dt.date(2015, 1, 1) <= earliest <= latest <= dt.date(2025, 1, 1)
        unborn = connection.execute(
            "SELECT count(*) FROM clinical_events e JOIN patients p USING (patient_id) WHERE e.date < p.date_of_birth"
        ).fetchone()
        assert unborn == (0,)
        # The definition's codelist codes are drawn, so its conditions match some rows.
        targeted = connection.execute(
            "SELECT count(*) FROM clinical_events WHERE code IN ('84114007', 'I50.9')"
        ).fetchone()
        assert targeted is not None and targeted[0] > 100
    finally:
        connection.close()


def test_dummy_data_will_not_overwrite_a_file(dummy: tuple[Path, Path]) -> None:
    _, extract = dummy
    with pytest.raises(UserError, match="already exists"):
        generate_dummy_tables(extract, 10)


def test_run_definition_gives_one_row_per_patient_and_leaves_the_extract_alone(dummy: tuple[Path, Path]) -> None:
    definition, extract = dummy
    before = hashlib.sha256(extract.read_bytes()).hexdigest()
    table = run_definition(load_definition(definition), extract)
    assert hashlib.sha256(extract.read_bytes()).hexdigest() == before
    assert table.column_names == ["patient_id", "age_band", "emergencies", "last_emergency", "heart_failure", "service"]
    rows = table.to_pylist()
    assert 0 < len(rows) < 2_000
    assert len({r["patient_id"] for r in rows}) == len(rows)
    assert all(r["emergencies"] >= 1 and r["last_emergency"] is not None for r in rows)
    assert {r["age_band"] for r in rows} <= {"under 65", "65 and over"}
    assert any(r["heart_failure"] for r in rows) and not all(r["heart_failure"] for r in rows)


def test_results_are_written_as_csv_or_parquet(dummy: tuple[Path, Path], tmp_path: Path) -> None:
    definition, extract = dummy
    table = run_definition(load_definition(definition), extract)
    csv_rows = pa_csv.read_csv(write_results(table, tmp_path / "rows.csv"))
    assert csv_rows.num_rows == table.num_rows
    assert pq.read_table(write_results(table, tmp_path / "rows.parquet")).equals(table)
    with pytest.raises(UserError, match=r"\.csv or \.parquet"):
        write_results(table, tmp_path / "rows.xlsx")


def test_a_table_or_field_the_project_was_not_approved_for_is_named(tmp_path: Path) -> None:
    extract = tmp_path / "narrow.duckdb"
    connection = duckdb.connect(str(extract))
    connection.execute("CREATE TABLE patients (patient_id VARCHAR, sex VARCHAR)")
    connection.execute("INSERT INTO patients VALUES ('p1', 'female')")
    connection.close()
    wants_medications = create_dataset()
    wants_medications.define_population(medications.exists_for_patient())
    with pytest.raises(UserError, match="the extract has no table 'medications'"):
        run_definition(wants_medications, extract)
    wants_birth = create_dataset()
    wants_birth.define_population(patients.exists_for_patient())
    wants_birth.born = patients.date_of_birth
    with pytest.raises(UserError, match="has no column 'date_of_birth'"):
        run_definition(wants_birth, extract)


def test_a_missing_extract_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="there is no extract file"):
        run_definition(create_dataset(), tmp_path / "nowhere.duckdb")


def test_the_sql_an_engine_runs_can_be_read(dummy: tuple[Path, Path]) -> None:
    definition, extract = dummy
    engine = duckdb_engine(extract)
    try:
        sql = engine.sql(load_definition(definition).query())
    finally:
        engine.close()
    assert "GROUP BY" in sql and "clinical_events" in sql


def _postgres_copy(extract: Path) -> tuple[str, str]:
    """The extract's tables copied into a scratch PostgreSQL schema."""
    assert POSTGRES_URL
    schema = f"sde_defs_{uuid.uuid4().hex[:12]}"
    source = duckdb.connect(str(extract), read_only=True)
    types = {"VARCHAR": "text", "DATE": "date", "INTEGER": "integer", "DOUBLE": "double precision"}
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        for (name,) in source.execute("SELECT table_name FROM information_schema.tables").fetchall():
            columns = source.execute(f"DESCRIBE {name}").fetchall()
            ddl = ", ".join(f'"{c[0]}" {types[c[1]]}' for c in columns)
            connection.execute(f'CREATE TABLE "{schema}"."{name}" ({ddl})')
            with connection.cursor().copy(f'COPY "{schema}"."{name}" FROM STDIN') as copy:
                for row in source.execute(f'SELECT * FROM "{name}"').fetchall():
                    copy.write_row(row)
    source.close()
    return POSTGRES_URL, schema


def _reference(extract: Path) -> list[dict[str, object]]:
    """DEFINITION's rows computed independently with pandas from the extract's tables."""
    connection = duckdb.connect(str(extract), read_only=True)
    try:
        people, admissions, events, care = (
            connection.execute(f"SELECT * FROM {name}").df()
            for name in ("patients", "hospital_admissions", "clinical_events", "care_packages")
        )
    finally:
        connection.close()
    emergency = admissions[admissions.admission_method == "emergency"]
    grouped = emergency.groupby("patient_id")
    out = pd.DataFrame({"emergencies": grouped.size(), "last_emergency": grouped.admission_date.max()})
    out = out.join(people.set_index("patient_id"), how="inner")
    out = out[out.date_of_birth.notna()]
    born = out.date_of_birth
    age = 2024 - born.dt.year - ((born.dt.month > 1) | ((born.dt.month == 1) & (born.dt.day > 1))).astype(int)
    out["age_band"] = np.where(age < 65, "under 65", "65 and over")
    out["heart_failure"] = out.index.isin(events.patient_id[events.code.isin(["84114007", "I50.9"])])
    out["service"] = out.index.isin(care.patient_id[care.event_type == "service"])
    rows = []
    for patient_id, row in out.iterrows():
        rows.append(
            {
                "patient_id": patient_id,
                "age_band": row.age_band,
                "emergencies": int(row.emergencies),
                "last_emergency": row.last_emergency.date(),
                "heart_failure": bool(row.heart_failure),
                "service": bool(row.service),
            }
        )
    return sorted(rows, key=lambda r: str(r["patient_id"]))


@pytest.mark.parametrize("engine_name", ENGINES)
def test_every_engine_matches_pandas_on_dummy_data(dummy: tuple[Path, Path], engine_name: str) -> None:
    definition, extract = dummy
    query = load_definition(definition).query()
    if engine_name == "duckdb":
        rows = run_definition(load_definition(definition), extract).to_pylist()
    else:
        url, schema = _postgres_copy(extract)
        engine = postgres_engine(url, schema)
        try:
            rows = engine.run(query).to_pylist()
        finally:
            engine.close()
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    expected = _reference(extract)
    assert len(expected) > 100
    assert sorted(rows, key=lambda r: r["patient_id"]) == expected


def test_codelist_needs_codes() -> None:
    with pytest.raises(UserError, match="has no codes"):
        codelist([" ", ""])
