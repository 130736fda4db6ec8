"""Audit append benchmark: `append_events` beside the limit, a bare executemany of the same rows, in one run.

    .venv/bin/python bench/audit.py                        # SQLite, and PostgreSQL when SDF_BENCH_POSTGRES_URL is set
    .venv/bin/python bench/audit.py --events 50000 --batch 1000 --writers 4 16 --repeats 5

The audited path builds each event's canonical JSON, hashes it (SHA-256) and inserts it, returning the event ids;
the limit inserts the very same prepared rows (hashes already filled in) into the same table with no hashing. Shapes:
batches of --batch events per transaction, one event per transaction (what the access gate does), and the
one-per-transaction case with each of --writers threads at once. After each audited run the sequencer gives the
committed events their leaf indices (timed separately: it runs in the background, off the writers' path) and the
leaves are checked to be exactly 0..n-1 over every event. Also timed: issuing a signed tree head over the whole log and
over the last batch only (the stored compact range), an inclusion proof (from stored subtree hashes), and a full
verification. Figures are medians of --repeats runs on a fresh schema each time; results go to
bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from socialdata.audit import (
    append_event,
    append_events,
    issue_tree_head,
    load_signing_key,
    prove_inclusion,
    public_key_of,
    sequence_pending,
    verify_log,
)
from socialdata.audit.events import AuditEvent
from socialdata.audit.rows import event_row
from socialdata.audit.samples import sample_events
from socialdata.config import Settings, load_settings
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord

RESULTS = Path(__file__).parent / "results" / "audit.json"
TABLES = ("audit_event", "audit_leaf", "audit_sequence", "audit_tree_head", "audit_tree_node")


@contextmanager
def store(backend: str, pg_url: str | None) -> Iterator[Database]:
    """A fresh, migrated store: a temporary SQLite file, or a throwaway PostgreSQL database."""
    with tempfile.TemporaryDirectory() as home:
        if backend == "sqlite":
            db = Database(load_settings({"SDF_HOME": home}))
            db.upgrade()
            yield db
            db.dispose()
            return
        assert pg_url
        admin_url = load_settings({"SDF_DATABASE_URL": pg_url, "SDF_HOME": home}).database_url
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"sdf_bench_audit_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        db = Database(Settings(home=Path(home), database_url=url))
        try:
            db.upgrade()
            yield db
        finally:
            db.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def clear(db: Database) -> None:
    """Empty the audit tables; TRUNCATE on PostgreSQL so no run inherits the last one's dead tuples."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
        else:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))


def timed(db: Database, run: Callable[[], None]) -> float:
    clear(db)
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def in_threads(writers: int, work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def sequence_and_check(db: Database, expected: int) -> float:
    """Sequence everything appended; check the leaves are 0..n-1 over every event. Returns the sequencing time."""
    start = time.perf_counter()
    sequence_pending(db)
    elapsed = time.perf_counter() - start
    with db.engine.connect() as conn:
        count, top = conn.execute(text("SELECT count(*), coalesce(max(leaf_index) + 1, 0) FROM audit_leaf")).one()
        events = conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    assert count == top == events == expected, f"leaves not gapless: {count} leaves, top {top}, {events} events"
    return elapsed


def measure(db: Database, events: list[AuditEvent], args: argparse.Namespace) -> dict[str, Any]:
    rows = [event_row(e) for e in events]
    singles, single_rows = events[: args.single], rows[: args.single]
    table = AuditEventRecord.__table__

    def audited_batches() -> None:
        for batch in chunks(events, args.batch):
            with db.session() as s:
                append_events(s, batch)

    def bare_batches() -> None:
        for batch in chunks(rows, args.batch):
            with db.engine.begin() as conn:
                conn.execute(insert(table), batch)

    def audited_singles() -> None:
        for event in singles:
            with db.session() as s:
                append_event(s, event)

    def bare_singles() -> None:
        for row in single_rows:
            with db.engine.begin() as conn:
                conn.execute(insert(table), row)

    def writers(count: int, audited: bool) -> Callable[[], None]:
        each = len(singles) // count

        def work(w: int) -> None:
            for i in range(w * each, (w + 1) * each):
                if audited:
                    with db.session() as s:
                        append_event(s, singles[i])
                else:
                    with db.engine.begin() as conn:
                        conn.execute(insert(table), single_rows[i])

        return lambda: in_threads(count, work)

    shapes: dict[str, tuple[int, Callable[[], None], Callable[[], None]]] = {
        f"batches of {args.batch}": (len(events), audited_batches, bare_batches),
        "one per transaction": (len(singles), audited_singles, bare_singles),
    }
    for count in args.writers:
        total = len(singles) // count * count
        shapes[f"one per transaction, {count} writers"] = (total, writers(count, True), writers(count, False))
    out: dict[str, Any] = {}
    for shape, (count, audited, bare) in shapes.items():
        audit_s, limit_s, sequence_s = [], [], []
        for repeat in range(args.repeats):  # alternate which goes first, so neither always inherits a busy WAL
            if repeat % 2:
                limit_s.append(timed(db, bare))
            audit_s.append(timed(db, audited))
            sequence_s.append(sequence_and_check(db, count))
            if not repeat % 2:
                limit_s.append(timed(db, bare))
        audit_rate, limit_rate = count / statistics.median(audit_s), count / statistics.median(limit_s)
        sequence_rate = count / statistics.median(sequence_s)
        ratio = audit_rate / limit_rate
        out[shape] = {
            "events": count,
            "audit_events_per_s": round(audit_rate),
            "limit_events_per_s": round(limit_rate),
            "ratio": round(ratio, 3),
            "sequencer_events_per_s": round(sequence_rate),
        }
        print(
            f"  {shape:<34} audit {audit_rate:>9,.0f}/s   limit {limit_rate:>9,.0f}/s   ratio {ratio:.2f}"
            f"   sequencer {sequence_rate:>9,.0f}/s"
        )
    out["tree_heads_and_verify"] = heads_and_verify(db, events, args)
    return out


def heads_and_verify(db: Database, events: list[AuditEvent], args: argparse.Namespace) -> dict[str, float]:
    """A head over all events, then one after one more batch (only the new leaves are hashed), a proof, a verify."""
    key = load_signing_key(db.settings.home, env={})
    full, incremental, proof, verify = [], [], [], []
    for _ in range(args.repeats):
        clear(db)
        with db.session() as s:
            append_events(s, events[: -args.batch])
        start = time.perf_counter()
        issue_tree_head(db, key)
        full.append(time.perf_counter() - start)
        with db.session() as s:
            append_events(s, events[-args.batch :])
        start = time.perf_counter()
        issue_tree_head(db, key)
        incremental.append(time.perf_counter() - start)
        start = time.perf_counter()
        for index in range(0, len(events), len(events) // 10):
            prove_inclusion(db, index)
        proof.append((time.perf_counter() - start) / 10)
        start = time.perf_counter()
        report = verify_log(db, public_key_of(key))
        verify.append(time.perf_counter() - start)
        assert report.ok, report.problems
    result = {
        "head_over_all_s": round(statistics.median(full), 4),
        "head_after_one_batch_s": round(statistics.median(incremental), 4),
        "inclusion_proof_s": round(statistics.median(proof), 4),
        "verify_s": round(statistics.median(verify), 3),
        "verify_events_per_s": round(len(events) / statistics.median(verify)),
    }
    print(
        f"  tree head over {len(events) - args.batch:,} events {result['head_over_all_s']}s, after {args.batch} more "
        f"{result['head_after_one_batch_s']}s; inclusion proof {result['inclusion_proof_s']}s; "
        f"verify {result['verify_events_per_s']:,} events/s"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events in the batched run")
    parser.add_argument("--batch", type=int, default=1_000, help="events per transaction in the batched run")
    parser.add_argument("--single", type=int, default=2_000, help="events in the one-per-transaction runs")
    parser.add_argument("--writers", type=int, nargs="+", default=[4, 16], help="concurrent writer threads, per case")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pg_url = os.environ.get("SDF_BENCH_POSTGRES_URL") or os.environ.get("SDF_TEST_POSTGRES_URL")
    events = sample_events(args.events, seed=1)
    results: dict[str, Any] = {
        "benchmark": "audit append",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "parameters": {k: v for k, v in vars(args).items()},
        "backends": {},
    }
    for backend in ["sqlite", "postgresql"] if pg_url else ["sqlite"]:
        print(f"{backend}:")
        with store(backend, pg_url) as db:
            results["backends"][backend] = measure(db, events, args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {RESULTS}")


if __name__ == "__main__":
    main()
