"""Shared care record reads: many concurrent clients through the access gate with audit on, beside the limit — the same
rows fetched by bare database queries with no gate and no audit — on PostgreSQL, in one run.

    SDF_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/record.py
    .venv/bin/python bench/record.py --people 5000 --clients 100 --processes 2 --seconds 10 --repeats 3

A record read is what each FHIR search does per request (the record page adds its summary): `CareRecord.rows` — the
gate's decision (role, relationship from the feeds, grants, objections, seals), the person's linked source records,
their events and the professionals' entries, each item filtered by sensitivity, and the audit event appended in the
same transaction.
The limit reads the same rows (links, source persons, events, entries) with plain SELECTs in one transaction.

--clients threads in total, spread over --processes worker processes (Python threads share one core per process),
each reading random people's records in a closed loop for --seconds. Figures are medians over --repeats runs, the
modes alternating; results go to bench/results/record.json.

A third mode, `gated_async_commit`, is a diagnostic rather than a way to run: the same gated reads with PostgreSQL's
`synchronous_commit` off for the readers' connections, to show how much of the gap is the flush at commit that every
audited read (a write, because of its audit event) waits for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from socialdata.access import Actor
from socialdata.config import Settings, load_settings
from socialdata.governance.users import Role
from socialdata.record import CareRecord
from socialdata.store import Database
from socialdata.store.models import (
    FeedSubmission,
    LinkRun,
    Organisation,
    Person,
    PersonLink,
    RecordEntry,
    SourceEvent,
    SourcePerson,
    UserAccount,
)

RESULTS = Path(__file__).parent / "results" / "record.json"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
ORGS = (("Y90001", "gp_practice"), ("RZZ", "hospital_trust"), ("LA900", "council"))
# Per person: events by source organisation and kind, about what a person known to all three partners carries.
EVENTS = {
    "Y90001": (("registration", 1), ("condition", 4), ("medication", 5), ("allergy", 1), ("observation", 6)),
    "RZZ": (("encounter", 3), ("condition", 2), ("procedure", 1), ("observation", 3)),
    "LA900": (("asc_assessment", 1), ("asc_service", 1), ("asc_review", 1)),
}
SNOMED = "http://snomed.info/sct"
MODES = {
    "bare": "limit (bare SQL)",
    "gated": "gate + audit",
    "gated_async_commit": "gate + audit, async",
}


@contextmanager
def postgres_store(pg_url: str) -> Iterator[Settings]:
    """A throwaway, migrated PostgreSQL database."""
    with tempfile.TemporaryDirectory() as home:
        admin_url = load_settings({"SDF_DATABASE_URL": pg_url, "SDF_HOME": home}).database_url
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"sdf_bench_record_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        settings = Settings(home=Path(home), database_url=url)
        db = Database(settings)
        try:
            db.upgrade()
            db.dispose()
            yield settings
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def populate(db: Database, people: int, seed: int) -> tuple[list[str], int]:
    """People known to a practice, the trust and the council, with events and two notes each; returns their ids
    and the id of a GP at the practice (registered, so every read is allowed)."""
    rng = random.Random(seed)
    with db.session() as s:
        for code, kind in ORGS:
            s.add(Organisation(id=code, name=f"Organisation {code}", kind=kind))
        s.flush()
        gp = UserAccount(
            username="gp", display_name="Dr Bench", role=Role.GP, organisation_id="Y90001", password_hash="x"
        )
        s.add(gp)
        s.add(
            LinkRun(
                id=1,
                started_at=NOW,
                finished_at=NOW,
                records=0,
                persons=0,
                persons_created=0,
                persons_merged=0,
                persons_split=0,
                records_moved=0,
                review_open=0,
                conflicts=0,
            )
        )
        submissions = {}
        for code, _ in ORGS:
            sub = FeedSubmission(
                organisation_id=code,
                file_name=f"{code}.csv",
                content_sha256=code.ljust(64, "0"),
                size_bytes=1,
                format="bench",
                status="loaded",
                loaded_at=NOW,
            )
            s.add(sub)
            s.flush()
            submissions[code] = sub.id
        s.flush()
        gp_id = gp.id
        ids = [f"P{n:012d}" for n in range(people)]
        s.execute(insert(Person), [{"id": pid, "status": "active", "created_run_id": 1} for pid in ids])
        persons = []
        for n in range(people):
            for code, _ in ORGS:
                persons.append(
                    {
                        "organisation_id": code,
                        "submission_id": submissions[code],
                        "loaded_at": NOW,
                        "source_id": f"{code}-{n}",
                        "nhs_number_status": "valid",
                        "nhs_number": f"999{n:07d}",
                        "family_name": f"Family{n}",
                        "given_name": "Bench",
                        "birth_date": dt.date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
                        "identity_flags": [],
                    }
                )
        s.execute(insert(SourcePerson), persons)
        source_ids = {sid: pk for sid, pk in s.execute(select(SourcePerson.source_id, SourcePerson.id))}
        s.execute(
            insert(PersonLink),
            [
                {"source_person_id": source_ids[f"{code}-{n}"], "person_id": pid, "basis": "deterministic", "run_id": 1}
                for n, pid in enumerate(ids)
                for code, _ in ORGS
            ],
        )
        events = []
        for n in range(people):
            for code, kinds in EVENTS.items():
                for kind, count in kinds:
                    for k in range(count):
                        start = NOW - dt.timedelta(days=rng.randint(1, 3000))
                        events.append(
                            {
                                "organisation_id": code,
                                "submission_id": submissions[code],
                                "loaded_at": NOW,
                                "source_id": f"{kind}-{n}-{k}",
                                "person_source_id": f"{code}-{n}",
                                "kind": kind,
                                "code_system": SNOMED,
                                "code": str(rng.randint(10_000_000, 99_999_999)),
                                "display": f"{kind} {k}",
                                "status": "active",
                                "start_at": NOW - dt.timedelta(days=4000) if kind == "registration" else start,
                                "end_at": None,
                                "detail": {},
                            }
                        )
        for chunk in range(0, len(events), 20_000):
            s.execute(insert(SourceEvent), events[chunk : chunk + 20_000])
        s.execute(
            insert(RecordEntry),
            [
                {
                    "person_id": pid,
                    "kind": "note",
                    "text": f"Note {k} about {pid}",
                    "author_user_id": gp_id,
                    "author_name": "Dr Bench",
                    "author_role": "gp",
                    "organisation_id": "Y90001",
                    "basis": "registered_gp",
                    "created_at": NOW,
                }
                for pid in ids
                for k in range(2)
            ],
        )
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return ids, gp_id


def bare_read(db: Database, person_id: str) -> int:
    """The limit: the same rows with plain SELECTs, no gate decision, no filtering, no audit event."""
    with db.session() as s:
        people = list(
            s.scalars(
                select(SourcePerson)
                .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
                .where(PersonLink.person_id == person_id)
            )
        )
        found = len(people)
        for sp in people:
            query = select(SourceEvent).where(
                SourceEvent.organisation_id == sp.organisation_id, SourceEvent.person_source_id == sp.source_id
            )
            found += len(list(s.scalars(query)))
        found += len(list(s.scalars(select(RecordEntry).where(RecordEntry.person_id == person_id))))
    return found


def _worker(settings: Settings, mode: str, ids: list[str], gp_id: int, threads: int, seconds: float, out: Any) -> None:
    """One process: `threads` clients reading random records in a closed loop; sends back (reads, latencies)."""
    if mode == "gated_async_commit":
        url = make_url(settings.database_url).update_query_dict({"options": "-c synchronous_commit=off"})
        settings = Settings(home=settings.home, database_url=url.render_as_string(hide_password=False))
    db = Database(settings)
    actor = Actor(gp_id, "gp", Role.GP, "Y90001")
    record = CareRecord(db, clock=lambda: NOW)
    read: Callable[[str], int] = (
        (lambda pid: bare_read(db, pid)) if mode == "bare" else (lambda pid: len(record.rows(actor, pid).events))
    )
    latencies: list[list[float]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        rng = random.Random(n)
        start.wait()
        mine = latencies[n]
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            read(rng.choice(ids))
            mine.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    for w in workers:
        w.join()
    db.dispose()
    out.put([x for per_client in latencies for x in per_client])


def run_once(settings: Settings, mode: str, ids: list[str], gp_id: int, args: argparse.Namespace) -> dict[str, float]:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    per_process = [
        args.clients // args.processes + (1 if p < args.clients % args.processes else 0) for p in range(args.processes)
    ]
    procs = [ctx.Process(target=_worker, args=(settings, mode, ids, gp_id, n, args.seconds, out)) for n in per_process]
    for p in procs:
        p.start()
    latencies = sorted(x for _ in procs for x in out.get())
    for p in procs:
        p.join()
    q = statistics.quantiles(latencies, n=100)
    return {"reads_per_s": len(latencies) / args.seconds, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pg_url = os.environ.get("SDF_BENCH_POSTGRES_URL") or os.environ.get("SDF_TEST_POSTGRES_URL")
    if not pg_url:
        raise SystemExit("set SDF_BENCH_POSTGRES_URL (or SDF_TEST_POSTGRES_URL) to a PostgreSQL server")
    with postgres_store(pg_url) as settings:
        db = Database(settings)
        t0 = time.perf_counter()
        ids, gp_id = populate(db, args.people, args.seed)
        db.dispose()
        print(f"populated {args.people:,} people in {time.perf_counter() - t0:.1f}s")
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        for repeat in range(args.repeats):
            for mode in MODES:
                result = run_once(settings, mode, ids, gp_id, args)
                runs[mode].append(result)
                print(
                    f"repeat {repeat + 1} {mode:>5}: {result['reads_per_s']:8.0f} reads/s"
                    f"  p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms"
                )
    summary = {mode: {k: _median(r, k) for k in ("reads_per_s", "p50_ms", "p99_ms")} for mode, r in runs.items()}
    ratio = summary["gated"]["reads_per_s"] / summary["bare"]["reads_per_s"]
    print(f"\nmedian of {args.repeats} at {args.clients} clients on {os.cpu_count()} cores")
    for mode, label in MODES.items():
        s = summary[mode]
        print(f"  {label:<21} {s['reads_per_s']:8.0f} reads/s  p50 {s['p50_ms']:6.1f} ms  p99 {s['p99_ms']:6.1f} ms")
    print(f"  gated / limit throughput {ratio:.2f} (overhead {1 - ratio:.0%})")
    diagnostic = summary["gated_async_commit"]["reads_per_s"] / summary["bare"]["reads_per_s"]
    print(f"  diagnostic: gated with asynchronous commit / limit {diagnostic:.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "record",
                "parameters": vars(args),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "median": summary,
                "gated_over_limit": ratio,
                "gated_async_commit_over_limit": diagnostic,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
