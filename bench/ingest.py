"""Feed ingest: FHIR resources/s and CSV rows/s through `socialdata.feeds.ingest_path`, each beside the limit — a bare
bulk insert of the very rows the loader stored, with no validation (PostgreSQL COPY, SQLite executemany, one
transaction) — on SQLite and PostgreSQL, with the loader's peak memory at two file sizes, in one run.

    .venv/bin/python bench/ingest.py                     # the default run: a few minutes on 2 cores
    .venv/bin/python bench/ingest.py --fhir-mb 50 --csv-mb 10 --factor 4 --repeats 5 --postgres-url postgresql://…
    .venv/bin/python bench/ingest.py --postgres-url ''   # SQLite only

Inputs come from a synthetic city (`write_city`): one FHIR transaction Bundle of --fhir-mb built from the trust's
bundles' entries, and one council ASC CLD CSV of --csv-mb built from its rows, both repeated with ids suffixed per
copy (`-c1`, `-c2`, …) until the size is reached, so every record stays distinct; then the same again at --factor
times the size. Each measurement runs in a child process of its own (its peak RSS is its own VmHWM) on a
fresh copy of a migrated store with the partners registered: a SQLite file, or a scratch PostgreSQL database created
from a template database of this run's own (all dropped at the end). The bare insert's rows are what the first
project load stored (feed_submission, source_person, source_event, quarantine_item), read back with their stored
values outside the timing. Rates are records in the file (Bundle entries, CSV rows) per second for both; figures are
medians over --repeats, project and bare runs alternating. Results go to bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import JSON, create_engine, text
from sqlalchemy.engine import make_url

from socialdata.config import Settings, load_settings
from socialdata.feeds import ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.store import Base, Database
from socialdata.synth import write_city

RESULTS = Path(__file__).parent / "results" / "ingest.json"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MB = 1024 * 1024
# What one submission writes, parents first: the order the bare insert fills them in.
STORED_TABLES = ("feed_submission", "source_person", "source_event", "quarantine_item")
TRUST = ("RZZ", "Avonford Hospitals NHS Foundation Trust", "hospital_trust")
COUNCIL = ("LA900", "Avonford City Council Adult Social Care", "council")
# The council's id columns made distinct per copy, so a copied row is another person's event, not an update.
ASC_ID_COLUMNS = ("LA_Person_Unique_Identifier", "Event_Reference")
GOAL_RATIO = 0.5
# Memory counts as independent of file size when the larger file's peak RSS is above the smaller's by less than this
# share of the extra bytes, plus run-to-run noise (a loader holding the file, or its parsed records, adds all of them).
FLAT_MEMORY_SHARE = 0.1
RSS_NOISE_BYTES = 4 * MB

console = Console(width=120)


@dataclass(frozen=True)
class Feed:
    """One input file: its format, the partner that submits it, and how many records (entries or rows) it holds."""

    kind: str  # "FHIR" (resources) or "CSV" (rows)
    organisation: str
    path: Path
    records: int
    size_bytes: int


@dataclass(frozen=True)
class StoredTable:
    """The rows one table holds after a load, with their stored values, for the bare insert to write again."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Run:
    """One child process's measurement."""

    seconds: float
    peak_rss_bytes: int


@dataclass
class Cell:
    """One backend × feed × size: the project's and the limit's runs over the repeats."""

    backend: str
    feed: Feed
    scale: int
    stored_rows: int = 0
    project: list[Run] = field(default_factory=list)
    bare: list[Run] = field(default_factory=list)

    def rate(self, runs: list[Run]) -> float:
        return self.feed.records / statistics.median(r.seconds for r in runs)

    @property
    def project_rate(self) -> float:
        return self.rate(self.project)

    @property
    def bare_rate(self) -> float:
        return self.rate(self.bare)

    @property
    def ratio(self) -> float:
        return self.project_rate / self.bare_rate

    @property
    def project_peak_rss(self) -> float:
        return statistics.median(r.peak_rss_bytes for r in self.project)

    def latest(self) -> str:
        """The last pair of runs, as a line of progress."""
        project, bare = self.project[-1], self.bare[-1]
        return (
            f"{self.backend:<10} {self.feed.kind:<4} {self.feed.size_bytes / MB:6.1f} MB: "
            f"project {self.feed.records / project.seconds:9,.0f}/s  bare {self.feed.records / bare.seconds:9,.0f}/s  "
            f"peak RSS {project.peak_rss_bytes / MB:5.0f} MB"
        )

    def summary(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "feed": self.feed.kind,
            "scale": self.scale,
            "file_bytes": self.feed.size_bytes,
            "records": self.feed.records,
            "stored_rows": self.stored_rows,
            "project_records_per_s": self.project_rate,
            "bare_records_per_s": self.bare_rate,
            "ratio": self.ratio,
            "project_peak_rss_bytes": self.project_peak_rss,
            "project_runs": [asdict(r) for r in self.project],
            "bare_runs": [asdict(r) for r in self.bare],
        }


@dataclass(frozen=True)
class MemoryGrowth:
    """The loader's peak RSS at the small and the large file, against how much larger the file is."""

    backend: str
    feed: str
    small_peak: float
    large_peak: float
    extra_file_bytes: int

    @property
    def flat(self) -> bool:
        return self.large_peak - self.small_peak < FLAT_MEMORY_SHARE * self.extra_file_bytes + RSS_NOISE_BYTES


@dataclass(frozen=True)
class BenchConfig:
    workdir: Path
    people: int = 2000
    seed: int = 1
    fhir_mb: float = 12.5
    csv_mb: float = 3
    factor: int = 4
    repeats: int = 3
    postgres_url: str | None = DEFAULT_POSTGRES_URL


@dataclass
class BenchReport:
    config: BenchConfig
    cells: list[Cell]
    machine: dict[str, Any]

    def memory(self) -> list[MemoryGrowth]:
        grown = []
        for cell in self.cells:
            if cell.scale == 1:
                large = next(
                    c
                    for c in self.cells
                    if (c.backend, c.feed.kind) == (cell.backend, cell.feed.kind) and c.scale == self.config.factor
                )
                grown.append(
                    MemoryGrowth(
                        cell.backend,
                        cell.feed.kind,
                        cell.project_peak_rss,
                        large.project_peak_rss,
                        large.feed.size_bytes - cell.feed.size_bytes,
                    )
                )
        return grown

    @property
    def rate_goal_met(self) -> bool:
        return all(c.ratio >= GOAL_RATIO for c in self.cells)

    @property
    def memory_goal_met(self) -> bool:
        return all(m.flat for m in self.memory())

    def to_json(self) -> dict[str, Any]:
        return {
            "benchmark": "ingest",
            "parameters": {k: v for k, v in asdict(self.config).items() if k != "workdir"},
            "machine": self.machine,
            "cells": [c.summary() for c in self.cells],
            "memory": [{**asdict(m), "flat": m.flat} for m in self.memory()],
            "goal": {
                "ratio_at_least": GOAL_RATIO,
                "rate_goal_met": self.rate_goal_met,
                "memory_goal_met": self.memory_goal_met,
            },
        }


# Inputs ---------------------------------------------------------------------------------------------------------


def _renamed_entry(entry: dict[str, Any], copy: int) -> dict[str, Any]:
    """The entry as the copy-th distinct resource: its id, its references to other entries and its fullUrl suffixed."""
    if copy == 0:
        return entry
    suffix = f"-c{copy}"
    found = dict(entry["resource"])
    found["id"] = f"{found['id']}{suffix}"
    for name in ("subject", "patient", "encounter"):
        reference = found.get(name)
        if isinstance(reference, dict) and isinstance(reference.get("reference"), str):
            found[name] = {**reference, "reference": reference["reference"] + suffix}
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, entry['fullUrl'] + suffix)}",
        "resource": found,
        "request": {**entry["request"], "url": entry["request"]["url"] + suffix},
    }


def write_fhir_feed(city: Path, path: Path, target_bytes: int) -> Feed:
    """One transaction Bundle of about target_bytes, from the trust's bundles' entries repeated as distinct copies."""
    entries = [
        entry
        for bundle in sorted((city / "hospital" / TRUST[0]).glob("bundle-*.json"))
        for entry in orjson.loads(bundle.read_bytes())["entry"]
    ]
    written = 0
    with path.open("wb") as out:
        out.write(b'{"resourceType":"Bundle","type":"transaction","entry":[\n')
        copy = 0
        while out.tell() < target_bytes:
            for entry in entries:
                out.write((b",\n" if written else b"") + orjson.dumps(_renamed_entry(entry, copy)))
                written += 1
                if out.tell() >= target_bytes:
                    break
            copy += 1
        out.write(b"\n]}\n")
    return Feed("FHIR", TRUST[0], path, written, path.stat().st_size)


def write_csv_feed(city: Path, path: Path, target_bytes: int) -> Feed:
    """One council ASC CLD CSV of about target_bytes, from the city's rows repeated as distinct people's copies."""
    with (city / "council" / COUNCIL[0] / "asc_cld.csv").open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        rows = list(reader)
    id_positions = [header.index(name) for name in ASC_ID_COLUMNS]
    written = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        copy = 0
        while out.tell() < target_bytes:
            for row in rows:
                copied = list(row)
                if copy:
                    for i in id_positions:
                        copied[i] = f"{copied[i]}-c{copy}"
                writer.writerow(copied)
                written += 1
                if out.tell() >= target_bytes:
                    break
            copy += 1
    return Feed("CSV", COUNCIL[0], path, written, path.stat().st_size)


# Stores ---------------------------------------------------------------------------------------------------------


def _prepare_template(settings: Settings) -> None:
    """Migrated, with the two submitting partners registered: what every measurement starts from."""
    db = Database(settings)
    db.upgrade()
    for code, name, kind in (TRUST, COUNCIL):
        register_organisation(db, code, name, kind)
    db.dispose()


class Stores(Protocol):
    """Fresh, identical stores, one per measurement."""

    name: str

    def fresh(self) -> Settings: ...

    def discard(self, settings: Settings) -> None: ...

    def close(self) -> None: ...


class SqliteStores:
    """Copies of one migrated SQLite file."""

    name = "SQLite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir / "sqlite"
        self.template = Settings(self.workdir / "template", f"sqlite:///{self.workdir / 'template' / 'socialdata.db'}")
        _prepare_template(self.template)
        self.made = 0

    def fresh(self) -> Settings:
        self.made += 1
        home = self.workdir / f"run-{self.made}"
        home.mkdir(parents=True)
        shutil.copyfile(self.template.home / "socialdata.db", home / "socialdata.db")
        return Settings(home, f"sqlite:///{home / 'socialdata.db'}")

    def discard(self, settings: Settings) -> None:
        shutil.rmtree(settings.home)

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


class PostgresStores:
    """Scratch databases of this run's own (`sdf_bench_ingest_<random>_…`), each created from one migrated template."""

    name = "PostgreSQL"

    def __init__(self, url: str, workdir: Path) -> None:
        self.home = workdir / "postgresql"
        self.home.mkdir(parents=True, exist_ok=True)
        self.url = load_settings({"SDF_DATABASE_URL": url, "SDF_HOME": str(self.home)}).database_url
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"sdf_bench_ingest_{uuid.uuid4().hex[:8]}"
        self.made = 0
        self.created: list[str] = []
        self.template = self._create(f"{self.prefix}_template", None)
        _prepare_template(self.template)

    def _create(self, name: str, template: str | None) -> Settings:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.created.append(name)
        return Settings(self.home, make_url(self.url).set(database=name).render_as_string(hide_password=False))

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    def fresh(self) -> Settings:
        self.made += 1
        return self._create(f"{self.prefix}_{self.made}", f"{self.prefix}_template")

    def discard(self, settings: Settings) -> None:
        name = make_url(settings.database_url).database
        assert name is not None
        self._drop(name)

    def close(self) -> None:
        for name in list(self.created):
            self._drop(name)
        self.admin.dispose()

    def server_version(self) -> str:
        with self.admin.connect() as conn:
            return str(conn.scalar(text("SHOW server_version")))


# Measurements ---------------------------------------------------------------------------------------------------


def read_stored(settings: Settings) -> list[StoredTable]:
    """Every row the load stored in STORED_TABLES, in insertion order, as the driver holds it (JSON as its text)."""
    db = Database(settings)
    postgres = db.dialect == "postgresql"
    tables = []
    with db.engine.connect() as conn:
        driver: Any = conn.connection.driver_connection
        for name in STORED_TABLES:
            table = Base.metadata.tables[name]
            # The submission keeps its id (the facts refer to it); the facts' own ids are the store's to assign.
            columns = [c for c in table.columns if c.name != "id" or name == "feed_submission"]
            selected = ", ".join(
                f"{c.name}::text" if postgres and isinstance(c.type, JSON) else c.name for c in columns
            )
            cursor = driver.cursor()
            cursor.execute(f"SELECT {selected} FROM {name} ORDER BY id")
            rows = [tuple(row) for row in cursor.fetchall()]
            cursor.close()
            tables.append(StoredTable(name, tuple(c.name for c in columns), rows))
    db.dispose()
    return tables


def project_load(db: Database, feed: Feed) -> float:
    """The project: one `ingest_path` of the file (hash, validation, staging, merge, quarantine, one transaction)."""
    start = time.perf_counter()
    [result] = ingest_path(db, feed.path, feed.organisation)
    seconds = time.perf_counter() - start
    if result.status != "loaded" or result.records_loaded + result.records_quarantined != feed.records:
        raise RuntimeError(f"the load of {feed.path.name} did not load every record: {result}")
    return seconds


def bare_insert(db: Database, tables: list[StoredTable]) -> float:
    """The limit: the same rows straight to the driver in one transaction, no validation, no staging, no merge."""
    raw = db.engine.raw_connection()  # through the engine, so SQLite gets the store's pragmas (WAL, foreign keys)
    driver: Any = raw.driver_connection
    try:
        start = time.perf_counter()
        if db.dialect == "postgresql":
            with driver.cursor() as cursor:
                for table in tables:
                    with cursor.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                        for row in table.rows:
                            copy.write_row(row)
        else:
            if not driver.in_transaction:
                driver.execute("BEGIN")
            for table in tables:
                marks = ", ".join("?" for _ in table.columns)
                driver.executemany(
                    f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})", table.rows
                )
        driver.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def own_peak_rss() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the forking parent's peak across exec into
    the child's ru_maxrss (and into wait4's), so a child of a large parent would report the parent's size."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) * 1024


def _child(mode: str, database_url: str, home: str, feed_json: str, rows_file: str) -> None:
    """Runs in a child process: one measurement, printed as JSON with the process's own peak RSS."""
    feed_fields = json.loads(feed_json)
    feed = Feed(**{**feed_fields, "path": Path(feed_fields["path"])})
    db = Database(Settings(Path(home), database_url))
    with db.engine.connect():
        pass  # the connection is made before the clock starts, and pooled for the measurement
    if mode == "project":
        seconds = project_load(db, feed)
    else:
        tables = [StoredTable(*fields) for fields in pickle.loads(Path(rows_file).read_bytes())]
        seconds = bare_insert(db, tables)
    db.dispose()
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": own_peak_rss()}))


def measure(mode: str, settings: Settings, feed: Feed, rows_file: Path | None = None) -> Run:
    feed_json = json.dumps({**asdict(feed), "path": str(feed.path)})
    args = [sys.executable, __file__, "--child", mode, settings.database_url, str(settings.home), feed_json]
    done = subprocess.run([*args, str(rows_file or "")], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} run of {feed.path.name} failed:\n{done.stderr}")
    return Run(**json.loads(done.stdout.strip().splitlines()[-1]))


def _machine(stores: list[Stores]) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    machine: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": os.getloadavg(),
    }
    for s in stores:
        if isinstance(s, PostgresStores):
            machine["postgresql"] = s.server_version()
    return machine


def _feeds(config: BenchConfig) -> Iterator[tuple[int, Feed]]:
    city = config.workdir / "city"
    write_city(city, config.people, config.seed)
    for scale in (1, config.factor):
        yield scale, write_fhir_feed(city, config.workdir / f"fhir-x{scale}.json", int(config.fhir_mb * MB * scale))
        yield scale, write_csv_feed(city, config.workdir / f"asc-x{scale}.csv", int(config.csv_mb * MB * scale))


def run_benchmark(config: BenchConfig) -> BenchReport:
    """Builds the inputs, then for each repeat, backend and file: a project load, then the bare insert of its rows."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    feeds = list(_feeds(config))
    backends: list[Stores] = [SqliteStores(config.workdir)]
    try:
        if config.postgres_url:
            backends.append(PostgresStores(config.postgres_url, config.workdir))
        machine = _machine(backends)
        cells = [Cell(stores.name, feed, scale) for stores in backends for scale, feed in feeds]
        rows_files: dict[int, Path] = {}
        for repeat in range(1, config.repeats + 1):
            for n, cell in enumerate(cells):
                stores = next(s for s in backends if s.name == cell.backend)
                first = n not in rows_files
                settings = stores.fresh()
                cell.project.append(measure("project", settings, cell.feed))
                if first:
                    stored = read_stored(settings)
                    cell.stored_rows = sum(len(t.rows) for t in stored if t.name != "feed_submission")
                    rows_files[n] = config.workdir / f"stored-{n}.pickle"
                    rows_files[n].write_bytes(pickle.dumps([(t.name, t.columns, t.rows) for t in stored]))
                stores.discard(settings)
                settings = stores.fresh()
                cell.bare.append(measure("bare", settings, cell.feed, rows_files[n]))
                if first and read_stored(settings) != stored:
                    raise RuntimeError(f"the bare insert stored other rows than the load of {cell.feed.path.name}")
                stores.discard(settings)
                console.print(f"repeat {repeat}/{config.repeats} {cell.latest()}", highlight=False)
        machine["load_average_at_end"] = os.getloadavg()
    finally:
        for stores in backends:
            stores.close()
    return BenchReport(config, cells, machine)


def print_report(report: BenchReport) -> None:
    table = Table(title=f"Ingest: medians of {report.config.repeats} runs")
    for heading in ("backend", "feed", "file MB", "records", "project rec/s", "bare rec/s", "ratio", "peak RSS MB"):
        table.add_column(heading, justify="left" if heading in ("backend", "feed") else "right")
    for c in report.cells:
        table.add_row(
            c.backend,
            "FHIR resources" if c.feed.kind == "FHIR" else "CSV rows",
            f"{c.feed.size_bytes / MB:.1f}",
            f"{c.feed.records:,}",
            f"{c.project_rate:,.0f}",
            f"{c.bare_rate:,.0f}",
            f"{c.ratio:.2f}",
            f"{c.project_peak_rss / MB:.0f}",
        )
    console.print(table)
    for m in report.memory():
        console.print(
            f"{m.backend} {m.feed}: peak RSS {m.small_peak / MB:.0f} → {m.large_peak / MB:.0f} MB "
            f"({(m.large_peak - m.small_peak) / MB:+.0f} MB) for a file {m.extra_file_bytes / MB:.0f} MB larger: "
            f"{'flat' if m.flat else 'GROWS with the file'}",
            highlight=False,
        )
    met = "met" if report.rate_goal_met else "NOT met"
    console.print(f"goal: project rate at least {GOAL_RATIO:.0%} of the bare insert's in every case — {met}")
    met = "met" if report.memory_goal_met else "NOT met"
    console.print(f"goal: peak memory independent of file size — {met}")


def main() -> None:
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = BenchConfig
    parser.add_argument("--people", type=int, default=defaults.people, help="people in the city the inputs come from")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--fhir-mb", type=float, default=defaults.fhir_mb, help="size of the smaller FHIR Bundle")
    parser.add_argument("--csv-mb", type=float, default=defaults.csv_mb, help="size of the smaller ASC CLD CSV")
    parser.add_argument("--factor", type=int, default=defaults.factor, help="the larger files are this many times it")
    parser.add_argument("--repeats", type=int, default=defaults.repeats)
    parser.add_argument(
        "--postgres-url", default=defaults.postgres_url, help="server for the PostgreSQL runs ('' to skip them)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdf-bench-ingest-") as workdir:
        config = BenchConfig(
            workdir=Path(workdir),
            people=args.people,
            seed=args.seed,
            fhir_mb=args.fhir_mb,
            csv_mb=args.csv_mb,
            factor=args.factor,
            repeats=args.repeats,
            postgres_url=args.postgres_url or None,
        )
        report = run_benchmark(config)
    print_report(report)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report.to_json(), indent=2) + "\n")


if __name__ == "__main__":
    main()
