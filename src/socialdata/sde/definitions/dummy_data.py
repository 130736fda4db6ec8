"""Dummy data shaped like a project extract, so a researcher can develop a definition before access is granted.

`generate_dummy_tables` writes a DuckDB file with the tables of governance.datasets.DATASETS: plausible values (dates
in range, ages that make older people busier in hospital and social care) and, when given the definition, codes
drawn from the codelists and text values it tests for, so its conditions match some rows. It needs nothing from the
platform: no store, no settings. The benchmark uses it at scale, so it is vectorised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs in the environment

from socialdata.errors import UserError
from socialdata.sde.definitions.query_language import Dataset
from socialdata.sde.definitions.query_model import nodes

# Background vocabularies: common conditions (SNOMED CT and ICD-10) and made-up medicine codes.
SNOMED_POOL = (
    "44054006", "38341003", "195967001", "13645005", "84114007", "52448006", "35489007", "709044004", "49436004",
    "230690007", "414916001", "396275006", "73211009", "271737000", "267036007", "22298006",
)  # fmt: skip
ICD10_POOL = (
    "E11.9", "I10", "J45.9", "J44.9", "I50.9", "F03", "F32.9", "N18.3", "I48.9", "I63.9", "E66.9", "M19.9", "S72.0",
    "R55", "J18.9", "N39.0",
)  # fmt: skip
DMD_POOL = tuple(f"{3_200_000_000 + 7_919 * i}" for i in range(120))
SERVICE_TYPES = ("home care", "residential", "nursing", "day care", "direct payment", "equipment", "reablement")

# Shares of the events in each event table.
EVENT_SHARES = {"clinical_events": 0.55, "medications": 0.25, "hospital_admissions": 0.08, "care_packages": 0.12}
FIRST_DAY = dt.date(2015, 1, 1)
# How often a row takes a code or value the definition tests for, when it tests for any.
TARGETED_SHARE = 0.15

Wanted = dict[tuple[str, str], set[str]]


def generate_dummy_tables(
    path: Path,
    n_patients: int = 1_000,
    seed: int = 0,
    *,
    n_events: int | None = None,
    dataset: Dataset | None = None,
    today: dt.date = dt.date(2025, 1, 1),
) -> Path:
    """Write the five tables for `n_patients` people (and about 20 events each, unless given) to a DuckDB file."""
    if n_patients < 1:
        raise UserError("dummy data needs at least one patient", where="n_patients")
    path = Path(path)
    if path.exists():
        raise UserError(f"{path} already exists; choose a new file for the dummy data", where="path")
    rng = np.random.default_rng(seed)
    wanted = _wanted_values(dataset) if dataset is not None else {}
    total_events = 20 * n_patients if n_events is None else n_events
    people = _Patients(rng, n_patients, today)
    tables = {"patients": people.table()}
    makers: dict[str, Callable[[int], dict[str, pa.Array]]] = {
        "clinical_events": lambda n: _clinical_events(rng, people, n, wanted),
        "medications": lambda n: _medications(rng, people, n, wanted),
        "hospital_admissions": lambda n: _admissions(rng, people, n, wanted),
        "care_packages": lambda n: _care_packages(rng, people, n, wanted),
    }
    for name, share in EVENT_SHARES.items():
        tables[name] = pa.table(makers[name](int(total_events * share)))
    connection = duckdb.connect(str(path))
    try:
        for name, table in tables.items():
            connection.register("incoming", table)
            connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            connection.unregister("incoming")
    finally:
        connection.close()
    return path


def _wanted_values(dataset: Dataset) -> Wanted:
    """Per (table, column): the codes and text values the definition tests for (is_in, ==, !=)."""
    query = dataset.query()
    wanted: Wanted = {}
    for series in (query.population, *(s for _, s in query.variables)):
        for node in nodes.walk(series):
            if isinstance(node, nodes.IsIn) and isinstance(node.source, nodes.SelectColumn):
                values = {str(v) for v in node.values}
                wanted.setdefault((node.source.source.table.name, node.source.name), set()).update(values)
            if isinstance(node, nodes.Compare) and node.op in (nodes.CompareOp.EQ, nodes.CompareOp.NE):
                for column, value in ((node.lhs, node.rhs), (node.rhs, node.lhs)):
                    if (
                        isinstance(column, nodes.SelectColumn)
                        and isinstance(value, nodes.Value)
                        and isinstance(value.value, str)
                    ):
                        wanted.setdefault((column.source.table.name, column.name), set()).add(value.value)
    return wanted


class _Patients:
    """The population: ids, sex, birth and death, deprivation, practice; and who is busy where."""

    def __init__(self, rng: np.random.Generator, n: int, today: dt.date) -> None:
        self.rng = rng
        self.n = n
        self.today = _day(today)
        self.ids = pa.array([f"{v:016x}" for v in rng.integers(0, 2**63, n)], pa.string())
        age_years = np.clip(rng.normal(44, 23, n), 0, 104)
        self.born = self.today - (age_years * 365.25).astype(np.int64)
        self.age = age_years
        dies = rng.random(n) < np.where(age_years > 70, 0.12, 0.01)
        self.died = np.where(dies, self.today - rng.integers(0, 3650, n), np.iinfo(np.int64).max)
        self.died = np.maximum(self.died, self.born)

    def table(self) -> pa.Table:
        rng, n = self.rng, self.n
        sex = np.array(["female", "male", "other", "unknown"])[rng.choice(4, n, p=[0.505, 0.485, 0.005, 0.005])]
        alive = self.died == np.iinfo(np.int64).max
        return pa.table(
            {
                "patient_id": self.ids,
                "sex": pa.array(sex, pa.string()),
                "date_of_birth": _dates(self.born),
                "date_of_death": _dates(np.where(alive, 0, self.died), mask=alive),
                "imd_decile": pa.array(rng.integers(1, 11, n), pa.int32()),
                "practice": pa.array(np.char.add("P", np.char.zfill(rng.integers(1, 60, n).astype(str), 5))),
            }
        )

    def pick(self, count: int, busier_with_age: float) -> np.ndarray:
        """Patients for `count` events: older people have more, by a factor exp(age / busier_with_age)."""
        weights = np.exp(self.age / busier_with_age)
        return self.rng.choice(self.n, size=count, p=weights / weights.sum())

    def dates(self, who: np.ndarray) -> np.ndarray:
        """A day for each event within the person's life since FIRST_DAY."""
        start = np.maximum(self.born[who], _day(FIRST_DAY))
        end = np.minimum(self.died[who], self.today)
        end = np.maximum(end, start)
        days: np.ndarray = start + (self.rng.random(len(who)) * (end - start + 1)).astype(np.int64)
        return days


def _clinical_events(rng: np.random.Generator, people: _Patients, n: int, wanted: Wanted) -> dict[str, pa.Array]:
    who = people.pick(n, 40)
    icd = rng.random(n) < 0.3
    codes = np.where(icd, rng.choice(ICD10_POOL, n), rng.choice(SNOMED_POOL, n))
    codes = _target(rng, codes, wanted.get(("clinical_events", "code")))
    systems = np.where(np.char.isdigit(codes.astype(str)), "snomedct", "icd10")  # ICD-10 codes start with a letter
    has_value = rng.random(n) < 0.3
    return {
        "patient_id": people.ids.take(pa.array(who)),
        "date": _dates(people.dates(who)),
        "code_system": pa.array(systems, pa.string()),
        "code": pa.array(codes, pa.string()),
        "numeric_value": pa.array(np.round(rng.normal(50, 20, n), 1), pa.float64(), mask=~has_value),
        "source": pa.array(np.where(rng.random(n) < 0.7, "gp", "hospital"), pa.string()),
    }


def _medications(rng: np.random.Generator, people: _Patients, n: int, wanted: Wanted) -> dict[str, pa.Array]:
    who = people.pick(n, 30)
    codes = _target(rng, rng.choice(DMD_POOL, n), wanted.get(("medications", "code")))
    return {
        "patient_id": people.ids.take(pa.array(who)),
        "date": _dates(people.dates(who)),
        "code": pa.array(codes, pa.string()),
    }


def _admissions(rng: np.random.Generator, people: _Patients, n: int, wanted: Wanted) -> dict[str, pa.Array]:
    who = people.pick(n, 15)
    admitted = people.dates(who)
    staying = rng.random(n) < 0.02
    method = _target(
        rng,
        np.where(rng.random(n) < 0.65, "emergency", "elective"),
        wanted.get(("hospital_admissions", "admission_method")),
    )
    diagnosis = _target(rng, rng.choice(ICD10_POOL, n), wanted.get(("hospital_admissions", "primary_diagnosis")))
    return {
        "patient_id": people.ids.take(pa.array(who)),
        "admission_date": _dates(admitted),
        "discharge_date": _dates(admitted + rng.geometric(0.2, n) - 1, mask=staying),
        "admission_method": pa.array(method, pa.string()),
        "primary_diagnosis": pa.array(diagnosis, pa.string(), mask=rng.random(n) < 0.1),
    }


def _care_packages(rng: np.random.Generator, people: _Patients, n: int, wanted: Wanted) -> dict[str, pa.Array]:
    who = people.pick(n, 10)
    start = people.dates(who)
    kind = _target(
        rng,
        np.array(["request", "assessment", "service", "review"])[rng.choice(4, n, p=[0.2, 0.2, 0.45, 0.15])],
        wanted.get(("care_packages", "event_type")),
    )
    service = kind == "service"
    service_type = _target(rng, rng.choice(SERVICE_TYPES, n), wanted.get(("care_packages", "service_type")))
    return {
        "patient_id": people.ids.take(pa.array(who)),
        "event_type": pa.array(kind, pa.string()),
        "start_date": _dates(start),
        "end_date": _dates(start + rng.integers(7, 366, n), mask=rng.random(n) < 0.3),
        "service_type": pa.array(service_type, pa.string(), mask=~service),
        "weekly_cost": pa.array(np.round(rng.lognormal(6.2, 0.5, n), 2), pa.float64(), mask=~service),
    }


def _target(rng: np.random.Generator, values: np.ndarray, wanted: set[str] | None) -> np.ndarray:
    """Replace a share of the values by ones the definition tests for."""
    if not wanted:
        return values
    values = values.astype(object)
    chosen = rng.random(len(values)) < TARGETED_SHARE
    values[chosen] = rng.choice(sorted(wanted), int(chosen.sum()))
    targeted: np.ndarray = values.astype(str)
    return targeted


def _day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def _dates(days_since_epoch: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(days_since_epoch.astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())
