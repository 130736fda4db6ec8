"""Shared care record reads: many concurrent clients opening records through the access gate with audit on, beside
the limit — the same page data fetched by bare database queries with no gate and no audit — on PostgreSQL, in one run.

    SDF_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/record.py
    .venv/bin/python bench/record.py --people 5000 --clients 100 --processes 2 --seconds 10 --repeats 3 --rate 200

A record read is what the record page does: `CareRecord.open` — the gate's decision (the person through merges with
their linked source records, objections, seals, grants, the relationship from the feeds), the person's events from
every partner and the professionals' entries, each item filtered by sensitivity, demographics, summary and timeline
with provenance, and the audit event appended in the same transaction. The limit (`bare_page`) reads the same rows
(source persons; events, entries, organisation and submission names in the record's own one statement) with plain
SELECTs in one transaction and builds the same demographics, summary and timeline with the same functions — only the
gate, the filtering and the audit event are missing.

Both modes run under one harness: --clients threads in total over --processes worker processes, the modes alternating
within each repeat. Each process holds --connections / --processes database connections (never more than its
threads) and admits reads first come, first served through a turnstile sized to them, so no read waits inside the
connection pool and a queued read waits its fair turn. (One connection per client is not possible at 100 clients:
the server allows 100 connections in all, shared with everyone; on 2 cores 40 busy backends are already plenty.)
Two schedules: closed loop (each client reads again as soon as its read returns — the capacity) and paced (--rate
reads/s offered in total; each client reads on its own fixed schedule and latency counts from when a read was due,
so a backlog shows in the tail). In a closed loop of N clients, latency is N / throughput on average (Little's law),
so a p99 is only meaningful at an offered load below capacity: that is the paced run. Figures are medians over
--repeats; the load average before and after each run is recorded; results go to bench/results/record.json.

--diagnostic adds `gated_async_commit`: the same gated reads with PostgreSQL's `synchronous_commit` off for the
readers' connections, to show how much of the gap is the flush at commit that every audited read (a write, because
of its audit event) waits for. It is not a way to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import platform
import random
import resource
import statistics
import tempfile
import threading
import time
import uuid
from collections import deque
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
from socialdata.record.items import entry_row_item, event_row_item
from socialdata.record.rows import record_rows
from socialdata.record.summary import demographics, summarise
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
    "bare": "limit (no gate, no audit)",
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


def bare_page(db: Database, person_id: str, now: dt.datetime) -> int:
    """The limit: what the record page shows — demographics, summary and timeline with provenance — fetched with
    plain SELECTs in one read-only transaction (the person's linked records, then every item of the record in the
    record's own statement) and assembled by the same functions, with no gate decision, no item filtering and no
    audit event."""
    with db.session() as s:
        sources = list(
            s.scalars(
                select(SourcePerson)
                .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
                .where(PersonLink.person_id == person_id)
                .order_by(SourcePerson.id)
            )
        )
        rows = record_rows(s, person_id)
        items = [event_row_item(e) for e in rows.events] + [entry_row_item(x) for x in rows.entries]
        items.sort(key=lambda i: (i.when is not None, i.when or dt.datetime.min.replace(tzinfo=dt.UTC)))
        items.reverse()
        summary = summarise(demographics(sources), rows.events, rows.entries, now)
    return len(items) + len(summary.medications)


class Turnstile:
    """First come, first served admission of at most `size` reads at once — the request queue in front of a server's
    connection pool. SQLAlchemy's pool lets a thread that has just returned a connection take it straight back, so
    with fewer connections than threads a waiting thread can lose every hand-over for a whole run (the ~10 s tail
    of the first version of this benchmark); here a finished read hands its place to the longest waiter."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Event] = deque()

    @contextmanager
    def admitted(self) -> Iterator[None]:
        with self._lock:
            turn = None
            if self._free:
                self._free -= 1
            else:
                turn = threading.Event()
                self._waiting.append(turn)
        if turn is not None:
            turn.wait()
        try:
            yield
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting.popleft().set()
                else:
                    self._free += 1


def _database(settings: Settings, mode: str, pool: int) -> Database:
    """The store for one worker process: a pool of exactly `pool` connections (the turnstile admits no more reads
    than that, so no read waits inside the pool), named after the process so their server CPU can be found, and the
    diagnostic mode turns off the flush at commit."""
    url = make_url(settings.database_url).update_query_dict({"application_name": _application_name()})
    if mode == "gated_async_commit":
        url = url.update_query_dict({"options": "-c synchronous_commit=off"})
    db = Database(Settings(home=settings.home, database_url=url.render_as_string(hide_password=False)))
    db.engine.dispose()
    # The store's own engine has a pool of 10 + 20; the harness sizes it to the turnstile, in every mode alike.
    db.engine = create_engine(db.settings.database_url, pool_size=pool, max_overflow=0, pool_pre_ping=True)
    db._sessions.configure(bind=db.engine)
    return db


def _application_name() -> str:
    return f"sdf-bench-record-{os.getpid()}"


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu_seconds(db: Database) -> float:
    """CPU used so far by this process's PostgreSQL backends (from /proc: the server runs on this machine); NaN
    when they cannot be read."""
    with db.engine.connect() as conn:
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
        pids = list(conn.execute(query, {"name": _application_name()}).scalars())
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _worker(
    settings: Settings, mode: str, ids: list[str], gp_id: int, threads: int, args: argparse.Namespace, out: Any
) -> None:
    """One process: `threads` clients reading random records; sends back the latencies. Closed loop when
    `args.rate` is 0 (each client sends its next read as soon as the last returns); otherwise each client sends on a
    fixed schedule (`args.rate` reads/s over all clients) and a read's latency counts from when it was due, so a
    backlog shows in the tail instead of slowing the clients down."""
    connections = max(1, min(threads, args.connections // args.processes))
    db = _database(settings, mode, connections)
    turnstile = Turnstile(connections)
    actor = Actor(gp_id, "gp", Role.GP, "Y90001", "Dr Bench")
    record = CareRecord(db, clock=lambda: NOW)
    read: Callable[[str], object] = (
        (lambda pid: bare_page(db, pid, NOW)) if mode == "bare" else (lambda pid: record.open(actor, pid))
    )
    latencies: list[list[float]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)
    began = [0.0]
    gap = args.clients / args.rate if args.rate else 0.0  # seconds between one client's reads when paced

    def client(n: int) -> None:
        rng = random.Random(n * 7919 + os.getpid())
        start.wait()
        mine = latencies[n]
        due = began[0] + rng.random() * gap
        stop_at = began[0] + args.seconds
        while due < stop_at:
            if gap:
                time.sleep(max(0.0, due - time.perf_counter()))
            else:
                due = time.perf_counter()
            with turnstile.admitted():
                read(rng.choice(ids))
            mine.append(time.perf_counter() - due)
            due = due + gap if gap else time.perf_counter()

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    server_before = _server_cpu_seconds(db)
    client_before = _own_cpu_seconds()
    began[0] = time.perf_counter()
    start.wait()
    for w in workers:
        w.join()
    client_cpu = _own_cpu_seconds() - client_before
    server_cpu = _server_cpu_seconds(db) - server_before
    db.dispose()
    out.put(([x for per_client in latencies for x in per_client], client_cpu, server_cpu))


def run_once(settings: Settings, mode: str, ids: list[str], gp_id: int, args: argparse.Namespace) -> dict[str, float]:
    """One mode under the one harness: the same processes, threads, pool and schedule for every mode."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    per_process = [
        args.clients // args.processes + (1 if p < args.clients % args.processes else 0) for p in range(args.processes)
    ]
    load_before = os.getloadavg()[0]
    procs = [ctx.Process(target=_worker, args=(settings, mode, ids, gp_id, n, args, out)) for n in per_process]
    for p in procs:
        p.start()
    reports = [out.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for report in reports for x in report[0])
    q = statistics.quantiles(latencies, n=100)
    return {
        "reads_per_s": len(latencies) / args.seconds,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "client_cpu_ms_per_read": sum(report[1] for report in reports) * 1000 / len(latencies),
        "server_cpu_ms_per_read": sum(report[2] for report in reports) * 1000 / len(latencies),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _summary(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    keys = ("reads_per_s", "p50_ms", "p99_ms", "client_cpu_ms_per_read", "server_cpu_ms_per_read")
    return {mode: {k: _median(r, k) for k in keys} for mode, r in runs.items() if r}


def _print_table(title: str, summary: dict[str, dict[str, float]]) -> None:
    print(title)
    for mode, s in summary.items():
        cpu = s["client_cpu_ms_per_read"] + s["server_cpu_ms_per_read"]
        print(
            f"  {MODES[mode]:<26} {s['reads_per_s']:6.0f} reads/s  p50 {s['p50_ms']:6.1f} ms  p99 {s['p99_ms']:7.1f} ms"
            f"  CPU/read {s['client_cpu_ms_per_read']:.2f} ms Python + {s['server_cpu_ms_per_read']:.2f} ms PostgreSQL"
            f" = {(os.cpu_count() or 1) * 1000 / cpu:5.0f} reads/s on {os.cpu_count()} idle cores"
        )


def _ratios(runs: dict[str, list[dict[str, float]]]) -> list[float]:
    """Gated over limit throughput within each repeat (the two ran back to back, under the same machine load)."""
    return [g["reads_per_s"] / b["reads_per_s"] for g, b in zip(runs["gated"], runs["bare"], strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200, help="reads/s offered by the paced runs (0: none)")
    parser.add_argument("--diagnostic", action="store_true", help="also run gate + audit with asynchronous commit")
    parser.add_argument(
        "--connections", type=int, default=40, help="database connections over all processes (at most one a client)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args()
    pg_url = os.environ.get("SDF_BENCH_POSTGRES_URL") or os.environ.get("SDF_TEST_POSTGRES_URL")
    if not pg_url:
        raise SystemExit("set SDF_BENCH_POSTGRES_URL (or SDF_TEST_POSTGRES_URL) to a PostgreSQL server")
    modes = ["bare", "gated"] + (["gated_async_commit"] if args.diagnostic else [])
    schedules = {"closed": 0.0} | ({"paced": args.rate} if args.rate else {})
    runs: dict[str, dict[str, list[dict[str, float]]]] = {name: {m: [] for m in modes} for name in schedules}
    with postgres_store(pg_url) as settings:
        db = Database(settings)
        t0 = time.perf_counter()
        ids, gp_id = populate(db, args.people, args.seed)
        db.dispose()
        print(f"populated {args.people:,} people in {time.perf_counter() - t0:.1f}s")
        for repeat in range(args.repeats):
            for name, rate in schedules.items():
                for mode in modes:
                    result = run_once(settings, mode, ids, gp_id, argparse.Namespace(**(vars(args) | {"rate": rate})))
                    runs[name][mode].append(result)
                    print(
                        f"repeat {repeat + 1} {name:>6} {mode:>18}: {result['reads_per_s']:6.0f} reads/s"
                        f"  p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:7.1f} ms"
                        f"  CPU/read {result['client_cpu_ms_per_read']:.2f}+{result['server_cpu_ms_per_read']:.2f} ms"
                        f"  (load {result['load_before']:.1f} -> {result['load_after']:.1f})"
                    )
    summaries = {name: _summary(by_mode) for name, by_mode in runs.items()}
    print(
        f"\nmedians of {args.repeats} at {args.clients} clients in {args.processes} processes on {os.cpu_count()} cores"
    )
    _print_table(
        "closed loop (each client reads again as soon as its last read returns): capacity", summaries["closed"]
    )
    ratios = _ratios(runs["closed"])
    ratio = statistics.median(ratios)
    per_repeat = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  gated / limit throughput {ratio:.2f}, median of each repeat's ({per_repeat}): overhead {1 - ratio:.0%}")
    if "paced" in summaries:
        _print_table(
            f"paced: {args.rate:g} reads/s offered by the same clients, latency from when each was due",
            summaries["paced"],
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "benchmark": "record",
                "parameters": vars(args) | {"results": str(args.results)},
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "median": summaries,
                "gated_over_limit": ratio,
                "gated_over_limit_per_repeat": ratios,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
