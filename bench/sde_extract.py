"""Project extract build: people/s through `socialdata.sde.extracts.build_extract`, beside the limit — streaming the
very same rows (the population's source records and events) out of the store with no further work — in one run.

    .venv/bin/python bench/sde_extract.py                      # the default: 50,000 people, ~20 events each
    .venv/bin/python bench/sde_extract.py --people 20000 --repeats 5

The store is a fresh SQLite file filled in bulk (organisations, a linked population with GP, hospital and council
records, 1% with a national data opt-out, an active agreement and a project over all five datasets in stage access).
Figures are medians over --repeats, limit and build alternating. Results go to bench/results/sde_extract.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from socialdata.access import AccessGate, Actor
from socialdata.config import load_settings
from socialdata.governance.datasets import DATASETS
from socialdata.governance.users import Role
from socialdata.sde.extracts import build_extract
from socialdata.sde.staging import events_query, people_query
from socialdata.sde.tables import RECIPES
from socialdata.store import Database
from socialdata.store.models import (
    DataSharingAgreement,
    FeedSubmission,
    LinkRun,
    NationalOptOut,
    Organisation,
    Person,
    PersonLink,
    Project,
    ProjectMember,
    SourceEvent,
    SourcePerson,
    UserAccount,
)

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
ORGS = {"RZZ": "hospital_trust", "LA900": "council", "Y90001": "gp_practice", "UNI01": "university"}
GP_KINDS = (
    ("condition", "http://snomed.info/sct"),
    ("observation", "http://snomed.info/sct"),
    ("medication", "https://dmd.nhs.uk"),
)


def _fill(db: Database, people: int, events_per_person: int, seed: int) -> tuple[Actor, int]:
    rng = random.Random(seed)
    with db.session() as s:
        for code, kind in ORGS.items():
            s.add(Organisation(id=code, name=code, kind=kind))
        s.flush()
        user = UserAccount(
            username="bench", display_name="Bench", role=Role.RESEARCHER, organisation_id="UNI01", password_hash="x"
        )
        s.add(user)
        s.add(LinkRun(id=1, started_at=NOW, finished_at=NOW))
        subs = {}
        for org in ("Y90001", "RZZ", "LA900"):
            sub = FeedSubmission(
                organisation_id=org,
                file_name=org,
                content_sha256=org.ljust(64, "0"),
                size_bytes=1,
                format="bench",
                status="loaded",
            )
            s.add(sub)
            s.flush()
            subs[org] = sub.id
        actor = Actor(user.id, "bench", Role.RESEARCHER, "UNI01")
        fields = {d.id: [f.name for f in d.fields if not f.is_pseudonym] for d in DATASETS.values()}
        agreement = DataSharingAgreement(
            title="bench",
            purpose="research",
            status="active",
            parties=["RZZ"],
            datasets=fields,
            conditions=[],
            legal_basis_article6="6(1)(e)",
            legal_basis_article9=None,
            confidentiality_basis="s251",
            value_terms=None,
            starts_on=dt.date(2000, 1, 1),
            ends_on=dt.date(2100, 1, 1),
            created_by=user.id,
        )
        s.add(agreement)
        s.flush()
        project = Project(
            title="bench",
            purpose="research",
            organisation_id="UNI01",
            lead_user_id=user.id,
            agreement_id=agreement.id,
            stage="access",
            datasets=fields,
            field_justifications={},
        )
        s.add(project)
        s.flush()
        s.add(ProjectMember(project_id=project.id, user_id=user.id, role="lead"))
        project_id = project.id
    persons, sources, links, events, opt_outs = [], [], [], [], []
    source_id = 0
    for i in range(people):
        pid = f"P{i:012d}"
        persons.append({"id": pid, "status": "active"})
        if rng.random() < 0.01:
            opt_outs.append({"person_id": pid, "opted_out": True, "changed_at": NOW, "changed_by": "bench"})
        orgs = ["Y90001"] + (["RZZ"] if rng.random() < 0.6 else []) + (["LA900"] if rng.random() < 0.15 else [])
        for org in orgs:
            source_id += 1
            sid = f"{org}-{i}"
            sources.append(
                {
                    "id": source_id,
                    "organisation_id": org,
                    "submission_id": subs[org],
                    "source_id": sid,
                    "loaded_at": NOW,
                    "nhs_number_status": "valid",
                    "sex": rng.choice(("male", "female")),
                    "birth_date": dt.date(1930 + rng.randrange(90), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                    "postcode": f"AV{rng.randrange(30)} {rng.randrange(10)}XY",
                    "registered_practice": org if org == "Y90001" else None,
                    "identity_flags": [],
                }
            )
            links.append({"source_person_id": source_id, "person_id": pid, "basis": "deterministic", "run_id": 1})
            count = events_per_person if org == "Y90001" else max(1, events_per_person // 5)
            for n in range(count):
                start = NOW - dt.timedelta(days=rng.randrange(1800))
                if org == "Y90001":
                    kind, system = GP_KINDS[n % 3]
                    code, detail = str(10_000_000 + rng.randrange(200)), {}
                elif org == "RZZ":
                    kind, system, code = "encounter", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "EMER"
                    detail = {}
                else:
                    kind, system, code = "asc_service", None, None
                    detail = {"service_type": "Home care", "cost_frequency": "Hourly", "planned_units_per_week": 7.0}
                events.append(
                    {
                        "organisation_id": org,
                        "submission_id": subs[org],
                        "source_id": f"{sid}-e{n}",
                        "loaded_at": NOW,
                        "person_source_id": sid,
                        "kind": kind,
                        "code_system": system,
                        "code": code,
                        "start_at": start,
                        "end_at": start + dt.timedelta(days=2),
                        "value_num": rng.random() * 40,
                        "detail": detail,
                    }
                )
    with db.session() as s:
        for model, rows in (
            (Person, persons),
            (SourcePerson, sources),
            (PersonLink, links),
            (NationalOptOut, opt_outs),
        ):
            s.execute(insert(model), rows)
        for start in range(0, len(events), 200_000):
            s.execute(insert(SourceEvent), events[start : start + 200_000])
    return actor, project_id


def _stream_limit(db: Database) -> int:
    """Read the rows the build reads through the bare driver cursor, and nothing else: the floor under any extract
    build from this store."""
    kinds = sorted({kind for recipe in RECIPES.values() for kind in recipe.event_kinds})
    rows = 0
    with db.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for query in (people_query(True), events_query(True, kinds)):
            cursor.execute(str(query.compile(db.engine, compile_kwargs={"literal_binds": True})))
            while batch := cursor.fetchmany(100_000):
                rows += len(batch)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--events-per-person", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sde-bench-") as home:
        db = Database(load_settings({"SDF_HOME": home}))
        db.upgrade()
        started = time.perf_counter()
        actor, project_id = _fill(db, args.people, args.events_per_person, args.seed)
        print(f"filled the store in {time.perf_counter() - started:.1f} s")
        gate = AccessGate(db)
        limit_times, build_times = [], []
        summary: Any = None
        for _ in range(args.repeats):
            started = time.perf_counter()
            rows_read = _stream_limit(db)
            limit_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            summary = build_extract(db, actor, project_id, gate=gate)
            build_times.append(time.perf_counter() - started)
        db.dispose()
    limit, build = statistics.median(limit_times), statistics.median(build_times)
    result = {
        "people": args.people,
        "rows_read": rows_read,
        "extract_people": summary.people,
        "opted_out_excluded": summary.opted_out_excluded,
        "extract_rows": summary.rows,
        "limit_seconds_median": round(limit, 3),
        "build_seconds_median": round(build, 3),
        "ratio_build_to_limit": round(build / limit, 2),
        "people_per_second": round(summary.people / build),
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "sde_extract.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
