"""`sdf demo`: a synthetic city's partners registered, their feeds ingested, demo logins made, the pages served.

Re-running it reuses what is there: the city on disk, the loaded submissions (content-hashed) and the demo logins.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialdata.cli.output import console, guarded
from socialdata.cli.web_commands import run_server
from socialdata.config import Settings, load_settings
from socialdata.errors import UserError
from socialdata.feeds import ResultStatus, SubmissionResult, ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.governance.users import Role, authenticate, create_user, find_user, set_password
from socialdata.linkage.service import run_linkage
from socialdata.store import Database
from socialdata.synth import CityManifest, load_manifest, write_city
from socialdata.synth.manifest import MANIFEST_NAME

DEMO_LOGINS_FILE = "demo-logins.json"


@dataclass(frozen=True)
class DemoPerson:
    """A synthetic member of staff (or citizen) for one role, working for a partner of the given kind."""

    role: Role
    display_name: str
    organisation_kind: str | None


DEMO_PEOPLE = (
    DemoPerson(Role.CLINICIAN, "Dr Amara Okafor", "hospital_trust"),
    DemoPerson(Role.NURSE, "Liam Hughes", "hospital_trust"),
    DemoPerson(Role.GP, "Dr Sofia Rahman", "gp_practice"),
    DemoPerson(Role.SOCIAL_WORKER, "Grace Evans", "council"),
    DemoPerson(Role.ADMINISTRATOR, "Tom Price", "foundation"),
    DemoPerson(Role.PRIVACY_OFFICER, "Hannah Lewis", "foundation"),
    DemoPerson(Role.DATA_STEWARD, "Owen James", "foundation"),
    DemoPerson(Role.RESEARCHER, "Dr Mei Chen", "university"),
    DemoPerson(Role.CITIZEN, "Jo Bennett", None),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    person: DemoPerson
    organisation_id: str | None


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def _new_password() -> str:
    """Twelve letters and digits: easy to copy from a terminal, never starting with '-'."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))


def _stored_passwords(path: Path) -> dict[str, str]:
    """Passwords printed by an earlier run, so the logins stay the same; kept readable by the owner only."""
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        stored = None
    if not isinstance(stored, dict):
        raise UserError("not the demo logins this command writes; delete it to make new ones", where=str(path))
    return {str(k): str(v) for k, v in stored.items()}


def _store_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(passwords, out, indent=2)


def ensure_demo_logins(db: Database, settings: Settings, manifest: CityManifest) -> list[DemoLogin]:
    """One account per role (created, or given back its printed password), each at the first partner of its kind."""
    first_of_kind: dict[str, str] = {}
    for org in manifest.organisations:
        first_of_kind.setdefault(org.kind, org.code)
    path = settings.home / DEMO_LOGINS_FILE
    passwords = _stored_passwords(path)
    logins = []
    for person in DEMO_PEOPLE:
        username = person.role.value
        password = passwords.setdefault(username, _new_password())
        works_for = first_of_kind.get(person.organisation_kind) if person.organisation_kind else None
        if find_user(db, username) is None:
            create_user(
                db, username, password, person.role, display_name=person.display_name, organisation_id=works_for
            )
        elif authenticate(db, username, password) is None:
            set_password(db, username, password)
        logins.append(DemoLogin(username=username, password=password, person=person, organisation_id=works_for))
    _store_passwords(path, passwords)
    return logins


def _load_city(db: Database, city: Path, manifest: CityManifest) -> list[SubmissionResult]:
    """Register each partner and ingest its files in manifest order (files loaded before come back as duplicates)."""
    files = [(org, city / name) for org in manifest.organisations for name in org.files]
    results: list[SubmissionResult] = []
    with _progress() as progress:
        task = progress.add_task("Ingesting partner feeds", total=len(files))
        for org in manifest.organisations:
            register_organisation(db, org.code, org.name, org.kind)
        for org, path in files:
            progress.update(task, description=f"Ingesting {org.code} {escape(path.name)}")
            results.extend(ingest_path(db, path, org.code))
            progress.advance(task)
    return results


def _say_loaded(manifest: CityManifest, results: list[SubmissionResult]) -> None:
    statuses = Counter(result.status for result in results)
    records = sum(result.records_loaded for result in results)
    quarantined = sum(result.records_quarantined for result in results)
    console.print(
        f"[green]Loaded[/] {len(manifest.organisations)} partners' {len(results)} files:"
        f" {statuses[ResultStatus.LOADED]} new ({records:,} records, {quarantined:,} quarantined),"
        f" {statuses[ResultStatus.DUPLICATE]} already loaded, {statuses[ResultStatus.REJECTED]} rejected.",
        highlight=False,
    )


def _city(city: Path, people: int, seed: int) -> CityManifest:
    """The city already on disk when it was made with the same size and seed, else a newly synthesised one."""
    if (city / MANIFEST_NAME).is_file():
        existing = load_manifest(city)
        if (existing.people, existing.seed) == (people, seed):
            console.print(f"Reusing the synthetic city in {escape(str(city))} ({people:,} people, seed {seed}).")
            return existing
        console.print(
            f"[yellow]Replacing the city in {escape(str(city))}[/] (it had {existing.people:,} people, seed"
            f" {existing.seed}); the store keeps what was loaded from it. For a clean demo use a new SDF_HOME."
        )
    with _progress() as progress:
        return write_city(city, people=people, seed=seed, progress=progress)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _print_logins(logins: list[DemoLogin]) -> None:
    table = Table(title="Demo logins (synthetic people, for this local demo only)")
    for column in ("username", "password"):
        table.add_column(column, no_wrap=True, min_width=max(len(getattr(login, column)) for login in logins))
    for column in ("who", "organisation", "what the role is for"):
        table.add_column(column)
    for login in logins:
        table.add_row(
            login.username,
            login.password,
            escape(login.person.display_name),
            login.organisation_id or "—",
            login.person.role.purpose,
        )
    console.print(table)
    console.print(
        "Professionals (gp, clinician, nurse, social_worker) find people and read their shared care record at /record"
        " (the GP's registered patients, the trust's open episodes, the council's open care packages), and reach the"
        " FHIR API at /fhir with a token from `sdf token issue USERNAME`; the privacy officer reviews break glass at"
        " /privacy/alerts."
    )


@guarded
def demo(
    people: Annotated[
        int, typer.Option("--people", min=10, help="How many synthetic people live in the city.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed makes the same city.")] = 1,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set everything up, then stop instead of serving.")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve on.")] = 8000,
) -> None:
    """Synthesise a city, load its partners' feeds, make one demo login per role, and serve the pages."""
    settings = load_settings()
    city = settings.home / "city"
    db = Database(settings)
    try:
        manifest = _city(city, people, seed)
        db.upgrade()
        _say_loaded(manifest, _load_city(db, city, manifest))
        linked = run_linkage(db)
        console.print(
            f"[green]Linked[/] {linked.records:,} records into {linked.persons:,} people;"
            f" {linked.review_open:,} pairs wait for review at /linkage."
        )
        logins = ensure_demo_logins(db, settings, manifest)
    finally:
        db.dispose()
    _print_logins(logins)
    if not no_serve:
        run_server(settings, host, port)
