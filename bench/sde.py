"""Dataset definitions benchmark: a realistic definition compiled through Ibis and run on DuckDB, beside the same
query hand-written in DuckDB SQL (the limit) and in pandas, on the same dummy extract, in one run.

    .venv/bin/python bench/sde.py                                          # 200k patients, 4M events
    .venv/bin/python bench/sde.py --patients 1000000 --events 20000000     # the issue's size

The definition (DEFINITION below): people with two or more emergency admissions in 2023 and a social-care service,
with ten variables -- sex, age band, deprivation decile, the number of emergency admissions and the diagnosis of the
first, the latest care service and its total weekly cost, and three conditions from codelists. The extract is made by
`generate_dummy_tables` (the definition's codes are drawn often enough to matter). Each way runs --repeats times,
alternating, after one untimed warm-up of each (imports, first connections); figures are medians. Every way starts
from the extract file: `definition` loads the definition file, compiles it and runs it on DuckDB; `hand_sql` runs one
DuckDB query; `pandas` reads the four tables it needs into DataFrames and computes (the computation alone is also
reported, as `pandas_compute`). All three must give identical rows, or the run fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import psutil
import pyarrow as pa

from socialdata.sde.definitions import load_definition, run_definition
from socialdata.sde.definitions.dummy_data import generate_dummy_tables

RESULTS = Path(__file__).parent / "results" / "sde.json"

DIABETES = ("44054006", "E11.9", "E11.8", "73211009")
DEMENTIA = ("52448006", "F03", "F00.9", "26929004")
HEART_FAILURE = ("84114007", "I50.9", "I50.0", "42343007")

DEFINITION = f"""
from socialdata.sde.definitions.query_language import *

diabetes = codelist({list(DIABETES)!r}, system="mixed")
dementia = codelist({list(DEMENTIA)!r}, system="mixed")
heart_failure = codelist({list(HEART_FAILURE)!r}, system="mixed")

emergency = hospital_admissions.where(
    (hospital_admissions.admission_method == "emergency")
    & hospital_admissions.admission_date.is_on_or_between("2023-01-01", "2023-12-31")
)
services = care_packages.where(care_packages.event_type == "service")

dataset = create_dataset()
dataset.define_population((emergency.count_for_patient() >= 2) & services.exists_for_patient())

age = patients.age_on("2024-01-01")
dataset.sex = patients.sex
dataset.age_band = case(
    when(age < 18).then("0-17"),
    when(age < 40).then("18-39"),
    when(age < 65).then("40-64"),
    when(age < 80).then("65-79"),
    otherwise="80+",
)
dataset.imd_decile = patients.imd_decile
dataset.emergency_admissions = emergency.count_for_patient()
dataset.first_emergency_diagnosis = emergency.sort_by(emergency.admission_date).first_for_patient().primary_diagnosis
dataset.latest_service = services.sort_by(services.start_date).last_for_patient().service_type
dataset.weekly_cost = services.weekly_cost.sum_for_patient()
dataset.has_diabetes = clinical_events.where(clinical_events.code.is_in(diabetes)).exists_for_patient()
dataset.has_dementia = clinical_events.where(clinical_events.code.is_in(dementia)).exists_for_patient()
dataset.has_heart_failure = clinical_events.where(clinical_events.code.is_in(heart_failure)).exists_for_patient()
"""


def _in(codes: tuple[str, ...]) -> str:
    return ", ".join(f"'{c}'" for c in codes)


# The limit: the same rows as an expert writes them for DuckDB -- the cohort first, then its members' variables --
# with ties broken as the definition breaks them.
HAND_SQL = f"""
WITH emergency AS (
    SELECT patient_id, count(*) AS emergency_admissions,
        first(primary_diagnosis ORDER BY admission_date NULLS FIRST, discharge_date NULLS FIRST,
              admission_method NULLS FIRST, primary_diagnosis NULLS FIRST) AS first_emergency_diagnosis
    FROM hospital_admissions
    WHERE admission_method = 'emergency' AND admission_date BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'
    GROUP BY patient_id
    HAVING count(*) >= 2
), cohort AS (
    SELECT patient_id FROM emergency
    WHERE patient_id IN (SELECT patient_id FROM care_packages WHERE event_type = 'service')
), services AS (
    SELECT patient_id,
        first(service_type ORDER BY start_date DESC NULLS LAST, event_type DESC NULLS LAST, end_date DESC NULLS LAST,
              service_type DESC NULLS LAST, weekly_cost DESC NULLS LAST) AS latest_service,
        sum(weekly_cost) AS weekly_cost
    FROM care_packages
    WHERE event_type = 'service' AND patient_id IN (SELECT patient_id FROM cohort)
    GROUP BY patient_id
), conditions AS (
    SELECT patient_id, bool_or(code IN ({_in(DIABETES)})) AS has_diabetes,
        bool_or(code IN ({_in(DEMENTIA)})) AS has_dementia, bool_or(code IN ({_in(HEART_FAILURE)})) AS has_heart_failure
    FROM clinical_events
    WHERE code IN ({_in(DIABETES + DEMENTIA + HEART_FAILURE)}) AND patient_id IN (SELECT patient_id FROM cohort)
    GROUP BY patient_id
)
SELECT p.patient_id, p.sex,
    CASE WHEN a.age < 18 THEN '0-17' WHEN a.age < 40 THEN '18-39' WHEN a.age < 65 THEN '40-64'
         WHEN a.age < 80 THEN '65-79' ELSE '80+' END AS age_band,
    p.imd_decile, e.emergency_admissions, e.first_emergency_diagnosis, s.latest_service, s.weekly_cost,
    coalesce(c.has_diabetes, false) AS has_diabetes, coalesce(c.has_dementia, false) AS has_dementia,
    coalesce(c.has_heart_failure, false) AS has_heart_failure
FROM cohort
JOIN emergency e USING (patient_id)
JOIN services s USING (patient_id)
JOIN patients p USING (patient_id)
CROSS JOIN LATERAL (SELECT date_part('year', age(DATE '2024-01-01', p.date_of_birth)) AS age) a
LEFT JOIN conditions c USING (patient_id)
"""


def run_hand_sql(path: Path, threads: int) -> pa.Table:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        connection.execute(f"SET threads = {threads}")
        return connection.sql(HAND_SQL).to_arrow_table()
    finally:
        connection.close()


def load_frames(path: Path) -> dict[str, pd.DataFrame]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        names = ("patients", "hospital_admissions", "care_packages", "clinical_events")
        return {name: connection.execute(f'SELECT * FROM "{name}"').df() for name in names}
    finally:
        connection.close()


def run_pandas(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The same rows with pandas, as an analyst writes them: the cohort first, then filter, sort, group, join."""
    adm = frames["hospital_admissions"]
    care = frames["care_packages"]
    emergency = adm[
        (adm.admission_method == "emergency")
        & (adm.admission_date >= pd.Timestamp("2023-01-01"))
        & (adm.admission_date <= pd.Timestamp("2023-12-31"))
    ]
    counts = emergency.groupby("patient_id").size().rename("emergency_admissions")
    counts = counts[counts >= 2]
    services = care[care.event_type == "service"]
    cohort = counts.index[counts.index.isin(services.patient_id)]
    counts = counts[cohort]
    emergency = emergency[emergency.patient_id.isin(cohort)]
    services = services[services.patient_id.isin(cohort)]
    first = (
        emergency.sort_values(
            ["admission_date", "discharge_date", "admission_method", "primary_diagnosis"], na_position="first"
        )
        .drop_duplicates("patient_id")
        .set_index("patient_id")["primary_diagnosis"]
        .rename("first_emergency_diagnosis")
    )
    latest = (
        services.sort_values(
            ["start_date", "event_type", "end_date", "service_type", "weekly_cost"], ascending=False, na_position="last"
        )
        .drop_duplicates("patient_id")
        .set_index("patient_id")["service_type"]
        .rename("latest_service")
    )
    cost = services.groupby("patient_id")["weekly_cost"].sum(min_count=1).rename("weekly_cost")
    events = frames["clinical_events"]
    events = events[events.patient_id.isin(cohort)]
    people = frames["patients"].set_index("patient_id")
    out = pd.concat([counts, first, latest, cost], axis=1, join="inner")
    out = out.join(people[["sex", "date_of_birth", "imd_decile"]], how="inner")
    born = out.date_of_birth
    index = pd.Timestamp("2024-01-01")
    before_birthday = (born.dt.month > index.month) | ((born.dt.month == index.month) & (born.dt.day > index.day))
    age = index.year - born.dt.year - before_birthday.astype(int)
    out["age_band"] = pd.cut(age, [-1, 17, 39, 64, 79, 10_000], labels=["0-17", "18-39", "40-64", "65-79", "80+"])
    for name, codes in (("has_diabetes", DIABETES), ("has_dementia", DEMENTIA), ("has_heart_failure", HEART_FAILURE)):
        out[name] = out.index.isin(events.patient_id[events.code.isin(codes)].unique())
    out = out.reset_index(names="patient_id")
    return out[
        [
            "patient_id", "sex", "age_band", "imd_decile", "emergency_admissions", "first_emergency_diagnosis",
            "latest_service", "weekly_cost", "has_diabetes", "has_dementia", "has_heart_failure",
        ]
    ]  # fmt: skip


def canonical(rows: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows in patient order with values normalised (floats to 6 places, missing as None) for comparison."""
    out = []
    for record in rows.sort_values("patient_id").itertuples(index=False):
        values = []
        for raw in record:
            value = raw.item() if hasattr(raw, "item") else raw
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                values.append(None)
            elif isinstance(value, float):
                values.append(round(value, 6))
            elif isinstance(value, bool | int | str):
                values.append(value)
            else:
                values.append(str(value))
        out.append(tuple(values))
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=4_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sde-bench-") as folder:
        definition_file = Path(folder) / "definition.py"
        definition_file.write_text(DEFINITION, encoding="utf-8")
        definition = load_definition(definition_file)
        extract = Path(folder) / "extract.duckdb"
        generate_s, _ = timed(
            lambda: generate_dummy_tables(extract, args.patients, args.seed, n_events=args.events, dataset=definition)
        )
        print(f"dummy extract: {args.patients:,} patients, {args.events:,} events in {generate_s:.1f}s")
        times: dict[str, list[float]] = {"definition": [], "hand_sql": [], "pandas": [], "pandas_compute": []}

        def with_pandas() -> pd.DataFrame:
            frames = load_frames(extract)
            seconds, rows = timed(lambda: run_pandas(frames))
            times["pandas_compute"].append(seconds)
            return rows

        ways: dict[str, Callable[[], pd.DataFrame]] = {
            "definition": lambda: run_definition(load_definition(definition_file), extract, args.threads).to_pandas(),
            "hand_sql": lambda: run_hand_sql(extract, args.threads).to_pandas(),
            "pandas": with_pandas,
        }
        for way in ways.values():  # warm up: imports and first connections are not what is measured
            way()
        times["pandas_compute"].clear()
        results: dict[str, pd.DataFrame] = {}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        for repeat in range(args.repeats):
            for name, way in ways.items():
                cpu_before = time.process_time()
                seconds, results[name] = timed(way)
                cpu[name].append(time.process_time() - cpu_before)
                times[name].append(seconds)
                print(
                    f"  repeat {repeat + 1}: {name:<10} {seconds:7.2f}s wall {cpu[name][-1]:7.2f}s cpu  "
                    f"{len(results[name]):,} rows"
                )

    expected = canonical(results["definition"])
    disagreements = {name: len(set(expected) ^ set(canonical(rows))) for name, rows in results.items()}
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    ratios = {
        "definition_over_hand_sql": medians["definition"] / medians["hand_sql"],
        "pandas_over_definition": medians["pandas"] / medians["definition"],
        "pandas_compute_over_definition": medians["pandas_compute"] / medians["definition"],
        "cpu_definition_over_hand_sql": cpu_medians["definition"] / cpu_medians["hand_sql"],
        "cpu_pandas_over_definition": cpu_medians["pandas"] / cpu_medians["definition"],
    }
    print(f"\n{'way':<16}{'median wall s':>14}{'median cpu s':>14}")
    for name, value in medians.items():
        print(f"{name:<16}{value:>14.2f}{cpu_medians[name] if name in cpu_medians else float('nan'):>14.2f}")
    print(
        f"definition / hand SQL: {ratios['definition_over_hand_sql']:.2f}x (goal <= 1.5x); "
        f"pandas / definition: {ratios['pandas_over_definition']:.1f}x (goal >= 10x; "
        f"{ratios['pandas_compute_over_definition']:.1f}x counting pandas' computation alone)"
    )
    print(
        f"cpu time: definition / hand SQL {ratios['cpu_definition_over_hand_sql']:.2f}x, "
        f"pandas / definition {ratios['cpu_pandas_over_definition']:.1f}x"
    )
    print(f"rows: {len(expected):,}; identical: {all(d == 0 for d in disagreements.values())} {disagreements}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "sde",
                "run": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "parameters": vars(args),
                "machine": {
                    "cpus": psutil.cpu_count(),
                    "memory_gb": round(psutil.virtual_memory().total / 2**30),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "generate_s": generate_s,
                "rows": len(expected),
                "seconds": times,
                "median_s": medians,
                "cpu_seconds": cpu,
                "median_cpu_s": cpu_medians,
                "ratios": ratios,
                "rows_differing_from_definition": disagreements,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if any(disagreements.values()):
        raise SystemExit("the three ways disagree: see rows_differing_from_definition")


if __name__ == "__main__":
    main()
