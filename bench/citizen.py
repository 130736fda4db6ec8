"""The citizen's "download everything": a subject access export (their record, every access with its review, choices,
corrections, data uses — one gate decision, audited) shaped as a FHIR Bundle and as the readable HTML page, beside
two peers on the same person in the same run: the professional's record page read (`CareRecord.open`, the gated read
the platform is tuned for) and the limit — the same rows (events, entries, audit events) fetched by bare SELECTs with
no gate, no shaping and no audit.

    .venv/bin/python bench/citizen.py                       # SQLite in a temporary SDF_HOME
    SDF_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/citizen.py
    .venv/bin/python bench/citizen.py --events 2000 --accesses 5000 --repeats 7

The person is known to three partners (GP practice, hospital trust, council) with --events feed events between them
and --accesses audit events about them (professionals' opens). Figures are medians over --repeats; results go to
bench/results/citizen.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from socialdata.access import Actor, link_citizen
from socialdata.audit import Action, AuditEvent, Outcome, PurposeOfUse, append_events
from socialdata.citizen import CitizenPortal, fhir_bundle
from socialdata.config import Settings, load_settings
from socialdata.governance.users import Role
from socialdata.record import CareRecord
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
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
from socialdata.web.templating import templates

RESULTS = Path(__file__).parent / "results" / "citizen.json"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
PERSON = "PBENCHCITIZEN"
ORGS = (("Y90001", "gp_practice"), ("RZZ", "hospital_trust"), ("LA900", "council"))
KINDS = {
    "Y90001": ("condition", "medication", "observation"),
    "RZZ": ("encounter", "procedure"),
    "LA900": ("asc_service",),
}


def _populate(db: Database, events: int, accesses: int) -> tuple[Actor, Actor]:
    with db.session() as s:
        for code, kind in ORGS:
            s.add(Organisation(id=code, name=f"Partner {code}", kind=kind))
        s.add(LinkRun(id=1, started_at=NOW, finished_at=NOW))
        s.add(Person(id=PERSON, status="active"))
        s.flush()
        gp = UserAccount(
            username="gp", display_name="Dr Bench", role=Role.GP, organisation_id="Y90001", password_hash="x"
        )
        me = UserAccount(username="me", display_name="Citizen", role=Role.CITIZEN, password_hash="x")
        s.add_all([gp, me])
        s.flush()
        for n, (org, _kind) in enumerate(ORGS):
            sub = FeedSubmission(
                organisation_id=org,
                file_name=f"{org}.csv",
                content_sha256=str(n) * 64,
                size_bytes=1,
                format="t",
                status="loaded",
            )
            s.add(sub)
            s.flush()
            sp = SourcePerson(
                organisation_id=org,
                submission_id=sub.id,
                source_id=f"{org}-1",
                nhs_number="9990000018",
                nhs_number_status="valid",
                family_name="Bench",
                given_name="Citizen",
                birth_date=dt.date(1950, 1, 1),
            )
            s.add(sp)
            s.flush()
            s.add(PersonLink(source_person_id=sp.id, person_id=PERSON, basis="deterministic", run_id=1))
            kinds = KINDS[org]
            s.add_all(
                SourceEvent(
                    organisation_id=org,
                    submission_id=sub.id,
                    source_id=f"{org}-e{i}",
                    person_source_id=f"{org}-1",
                    kind=kinds[i % len(kinds)],
                    code_system="http://snomed.info/sct",
                    code=str(100000 + i),
                    display=f"Item {i}",
                    status="active",
                    start_at=NOW - dt.timedelta(days=i),
                    end_at=NOW + dt.timedelta(days=1) if org == "RZZ" and i == 0 else None,
                    detail={},
                )
                for i in range(n, events, len(ORGS))
            )
        s.add(
            SourceEvent(
                organisation_id="Y90001",
                submission_id=1,
                source_id="reg",
                person_source_id="Y90001-1",
                kind="registration",
                start_at=NOW - dt.timedelta(days=4000),
                detail={},
            )
        )
        s.add_all(
            RecordEntry(
                person_id=PERSON,
                kind="note",
                text=f"Note {i}",
                author_user_id=gp.id,
                author_name="Dr Bench",
                author_role="gp",
                organisation_id="Y90001",
                basis="registered_gp",
                created_at=NOW - dt.timedelta(hours=i),
            )
            for i in range(20)
        )
        link_citizen(s, me.id, PERSON, now=NOW)
        append_events(
            s,
            [
                AuditEvent(
                    user_id=gp.id,
                    username="gp",
                    role="gp",
                    organisation_id="Y90001",
                    patient_id=PERSON,
                    action=Action.READ,
                    purpose=PurposeOfUse.TREAT,
                    outcome=Outcome.SUCCESS,
                    entity_type="Patient",
                    entity_id=PERSON,
                    detail={"decision": "allowed", "purpose": "direct_care", "basis": "registered_gp"},
                    recorded_at=NOW - dt.timedelta(minutes=i),
                )
                for i in range(accesses)
            ],
        )
        return (Actor(me.id, "me", Role.CITIZEN, None), Actor(gp.id, "gp", Role.GP, "Y90001"))


def _export(db: Database, me: Actor) -> int:
    export = CitizenPortal(db, clock=lambda: NOW).export(me, PERSON)
    body = orjson.dumps(fhir_bundle(export))
    page = templates.get_template("citizen/export.html").render(export=export)
    return len(body) + len(page)


def _professional(db: Database, gp: Actor) -> int:
    return len(CareRecord(db, clock=lambda: NOW).open(gp, PERSON).timeline)


def _limit(db: Database) -> int:
    with db.session() as s:
        events = s.execute(select(SourceEvent)).all()
        entries = s.execute(select(RecordEntry)).all()
        audit = s.execute(select(AuditEventRecord).where(AuditEventRecord.patient_id == PERSON)).all()
    return len(events) + len(entries) + len(audit)


def _median_ms(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), size


def _settings(pg_url: str | None, home: Path) -> tuple[Settings, Callable[[], None]]:
    if not pg_url:
        return Settings(home=home, database_url=f"sqlite:///{home / 'bench.db'}"), lambda: None
    admin = load_settings({"SDF_DATABASE_URL": pg_url, "SDF_HOME": str(home)}).database_url
    name = f"sdf_bench_citizen_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    return Settings(home=home, database_url=url), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="feed events on the person's record")
    parser.add_argument("--accesses", type=int, default=2000, help="audit events about the person")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pg_url = os.environ.get("SDF_BENCH_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as home:
        settings, drop = _settings(pg_url, Path(home))
        db = Database(settings)
        try:
            db.upgrade()
            me, gp = _populate(db, args.events, args.accesses)
            export_ms, size = _median_ms(lambda: _export(db, me), args.repeats)
            open_ms, _ = _median_ms(lambda: _professional(db, gp), args.repeats)
            limit_ms, rows = _median_ms(lambda: _limit(db), args.repeats)
        finally:
            db.dispose()
            drop()
    result: dict[str, Any] = {
        "backend": "postgresql" if pg_url else "sqlite",
        "events": args.events,
        "accesses": args.accesses,
        "repeats": args.repeats,
        "export_ms": round(export_ms, 1),
        "export_bytes": size,
        "professional_open_ms": round(open_ms, 1),
        "bare_rows_ms": round(limit_ms, 1),
        "bare_rows": rows,
        "export_vs_open": round(export_ms / open_ms, 2),
        "export_vs_bare": round(export_ms / limit_ms, 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[result["backend"]] = result
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()
