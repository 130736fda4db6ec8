"""Catalogue quality metrics over a linked synthetic city: the catalogue's GROUP BY queries beside a peer — the same
figures computed in pandas from the rows read out of the store — and the limit, one bare pass (count of each column
used) over each table the figures read. The peer's figures are checked equal to the catalogue's on every run.

    .venv/bin/python bench/catalogue.py                       # 3,000 people, SQLite, 5 repeats
    .venv/bin/python bench/catalogue.py --people 10000 --repeats 5
    SDF_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/catalogue.py

Results go to bench/results/catalogue-{sqlite,postgresql}.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from socialdata.catalogue import measure_quality
from socialdata.config import Settings, load_settings
from socialdata.feeds import ingest_path
from socialdata.governance.datasets import DATASETS
from socialdata.governance.organisations import register_organisation
from socialdata.linkage.service import run_linkage
from socialdata.store import Database
from socialdata.store.types import utcnow
from socialdata.synth import write_city

RESULTS = Path(__file__).parent / "results"
T = TypeVar("T")
Figures = dict[str, dict[str, tuple[int, int, int, int, int]]]


def _settings(home: Path, postgres: str | None) -> tuple[Settings, Callable[[], None]]:
    if postgres is None:
        return load_settings({"SDF_HOME": str(home)}), lambda: None
    admin = load_settings({"SDF_DATABASE_URL": postgres, "SDF_HOME": str(home)}).database_url
    name = f"sdf_bench_catalogue_{uuid.uuid4().hex[:8]}"

    def run(sql: str) -> None:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    run(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    return Settings(home=home, database_url=url), lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_city(db: Database, home: Path, people: int) -> None:
    db.upgrade()
    out = home / "city"
    manifest = write_city(out, people=people, seed=11)
    for organisation in manifest.organisations:
        register_organisation(db, organisation.code, organisation.name, organisation.kind)
        for file in organisation.files:
            ingest_path(db, out / file, organisation.code)
    run_linkage(db)
    if db.dialect == "postgresql":  # fresh statistics, as autovacuum keeps them on a running server
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def catalogue_figures(db: Database) -> Figures:
    with db.session() as session:
        measured = measure_quality(session, DATASETS.values(), utcnow())
    return {
        dataset_id: {
            p.organisation_id: (m.rows, m.nhs_present, m.nhs_valid, m.linked, m.people)
            for p in quality.partners
            if (m := p.measures).rows
        }
        for dataset_id, quality in measured.items()
    }


def pandas_figures(db: Database) -> Figures:
    """The peer: read the rows the figures need into pandas, then merge and group there."""
    with db.engine.connect() as conn:
        persons = pd.read_sql("SELECT id, organisation_id, source_id, nhs_number_status FROM source_person", conn)
        links = pd.read_sql("SELECT source_person_id, person_id FROM person_link", conn)
        events = pd.read_sql("SELECT organisation_id, person_source_id, kind FROM source_event", conn)
        orgs = pd.read_sql("SELECT id AS organisation_id, kind AS org_kind FROM organisation", conn)
    persons = persons.merge(links, how="left", left_on="id", right_on="source_person_id")
    figures: Figures = {}
    for dataset_id, dataset in DATASETS.items():
        kinds = dataset.event_kinds
        if kinds:
            rows = events[events["kind"].isin(kinds)].merge(
                persons,
                how="left",
                left_on=["organisation_id", "person_source_id"],
                right_on=["organisation_id", "source_id"],
            )
        else:
            rows = persons
        rows = rows.merge(orgs, on="organisation_id")
        rows = rows[rows["org_kind"].isin(dataset.sources)]
        status = rows["nhs_number_status"]
        rows = rows.assign(present=status.isin(["valid", "invalid"]), valid=status.eq("valid"))
        grouped = rows.groupby("organisation_id").agg(
            rows=("org_kind", "size"),
            present=("present", "sum"),
            valid=("valid", "sum"),
            linked=("person_id", "count"),
            people=("person_id", "nunique"),
        )
        figures[dataset_id] = {
            str(org): (int(r.rows), int(r.present), int(r.valid), int(r.linked), int(r.people))
            for org, r in grouped.iterrows()
        }
    return figures


LIMIT_SCANS = (
    "SELECT count(organisation_id), count(source_id), count(nhs_number_status) FROM source_person",
    "SELECT count(organisation_id), count(person_source_id), count(kind) FROM source_event",
    "SELECT count(person_id) FROM person_link",
)


def limit_scan(db: Database) -> None:
    """The limit: one pass over the columns the figures read, in each table, with no join and no grouping."""
    with db.engine.connect() as conn:
        for scan in LIMIT_SCANS:
            conn.execute(text(scan)).one()


def timed(run: Callable[[Database], T], db: Database, repeats: int) -> tuple[float, T]:
    """The median time of `repeats` runs, and the last run's answer."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        answer = run(db)
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    postgres = os.environ.get("SDF_BENCH_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix="sdf-bench-catalogue-") as tmp:
        settings, drop = _settings(Path(tmp), postgres)
        db = Database(settings)
        try:
            start = time.perf_counter()
            build_city(db, Path(tmp), args.people)
            built = time.perf_counter() - start
            ours, our_figures = timed(catalogue_figures, db, args.repeats)
            peer, peer_figures = timed(pandas_figures, db, args.repeats)
            limit, _ = timed(limit_scan, db, args.repeats)
            with db.session() as session:
                rows = {
                    t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("source_person", "source_event")
                }
        finally:
            db.dispose()
            drop()
    if our_figures != peer_figures:
        raise SystemExit(f"the peer's figures differ from the catalogue's:\n{our_figures}\n{peer_figures}")
    result: dict[str, Any] = {
        "backend": "postgresql" if postgres else "sqlite",
        "people": args.people,
        "rows": rows,
        "repeats": args.repeats,
        "build_seconds": round(built, 1),
        "catalogue_seconds": round(ours, 4),
        "pandas_seconds": round(peer, 4),
        "limit_scan_seconds": round(limit, 4),
        "catalogue_vs_pandas": round(peer / ours, 2),
        "catalogue_vs_limit": round(limit / ours, 3),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"catalogue-{result['backend']}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
