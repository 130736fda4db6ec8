"""`sdf demo`: a synthetic city's partners registered, their feeds ingested, demo logins made, the pages served.

Each professional works where the feeds give them patients (the practice with most registrations, the trust, the
council worker with the biggest caseload) and the citizen login is a real person of the index; beside each login the
demo prints a record the gate lets it open. Re-running it reuses what is there: the city on disk, the loaded
submissions (content-hashed), the demo logins and so the same examples.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialdata.access import CARE_ROLES
from socialdata.cli.demo_citizen import prepare_citizen_demo
from socialdata.cli.demo_examples import DemoExample, busiest_practice, busiest_worker, find_example
from socialdata.cli.demo_governance import prepare_governance_demo
from socialdata.cli.demo_logins import DemoPasswords, ensure_login
from socialdata.cli.demo_operations import start_demo_nodes
from socialdata.cli.demo_sde import prepare_sde_demo
from socialdata.cli.output import console, guarded
from socialdata.cli.output_commands import prepare_outputs_demo
from socialdata.cli.web_commands import run_server
from socialdata.config import Settings, load_settings
from socialdata.feeds import ResultStatus, SubmissionResult, ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.governance.users import Role, User
from socialdata.linkage.service import run_linkage
from socialdata.store import Database
from socialdata.synth import CityManifest, load_manifest, write_city
from socialdata.synth.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class DemoPerson:
    """A synthetic member of staff (or citizen) for one role, working for a partner of the given kind."""

    role: Role
    display_name: str
    organisation_kind: str | None
    organisation_code: str | None = None  # where they work, once placed in the city
    login: str | None = None  # the username, when not the role's name (a second person in one role)

    @property
    def username(self) -> str:
        return self.login or self.role.value


DEMO_PEOPLE = (
    DemoPerson(Role.CLINICIAN, "Dr Amara Okafor", "hospital_trust"),
    DemoPerson(Role.NURSE, "Liam Hughes", "hospital_trust"),
    DemoPerson(Role.GP, "Dr Sofia Rahman", "gp_practice"),
    DemoPerson(Role.SOCIAL_WORKER, "Grace Evans", "council"),
    DemoPerson(Role.ADMINISTRATOR, "Tom Price", "foundation"),
    DemoPerson(Role.PRIVACY_OFFICER, "Hannah Lewis", "foundation"),
    DemoPerson(Role.DATA_STEWARD, "Owen James", "foundation"),
    DemoPerson(Role.RESEARCHER, "Dr Mei Chen", "university"),
    DemoPerson(Role.CITIZEN, "Demo citizen", None),
    DemoPerson(Role.BOARD_MEMBER, "Cllr Ruth Adams", "foundation"),
    # Output checking needs two stewards, neither seeing the other's vote first.
    DemoPerson(Role.DATA_STEWARD, "Priya Shah", "foundation", login="data_steward2"),
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo account as made (or found) in the store, with its printed password."""

    password: str
    person: DemoPerson
    user: User

    @property
    def username(self) -> str:
        return self.user.username


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def _placed(db: Database, manifest: CityManifest, person: DemoPerson) -> DemoPerson:
    """Where the person works and under which name: the GP at the practice with most registered patients, the social
    worker as the council's worker with most open cases (the feeds name them), everyone else at the first partner of
    their kind."""
    first_of_kind: dict[str, str] = {}
    for org in manifest.organisations:
        first_of_kind.setdefault(org.kind, org.code)
    works_for = first_of_kind.get(person.organisation_kind) if person.organisation_kind else None
    if person.role == Role.GP:
        return replace(person, organisation_code=busiest_practice(db) or works_for)
    if person.role == Role.SOCIAL_WORKER and works_for is not None:
        worker = busiest_worker(db, works_for)
        return replace(person, display_name=worker or person.display_name, organisation_code=works_for)
    return replace(person, organisation_code=works_for)


def ensure_demo_logins(db: Database, settings: Settings, manifest: CityManifest) -> list[DemoLogin]:
    """One account per demo person (created, or given back its printed password), each placed where the feeds give
    it people to care for."""
    passwords = DemoPasswords(settings.home)
    logins = []
    for wanted in DEMO_PEOPLE:
        person = _placed(db, manifest, wanted)
        user, password = ensure_login(
            db, passwords, person.username, person.role, person.display_name, person.organisation_code
        )
        logins.append(DemoLogin(password=password, person=person, user=user))
    passwords.save()
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


def demo_examples(db: Database, logins: list[DemoLogin]) -> dict[str, DemoExample | None]:
    """For each care login and the citizen, a record the gate lets it open (asking the gate, which audits it)."""
    return {
        login.username: find_example(db, login.user)
        for login in logins
        if login.person.role in CARE_ROLES or login.person.role == Role.CITIZEN
    }


def _try_text(login: DemoLogin, example: DemoExample | None) -> str:
    if example is None:
        return "[yellow]no record found that the gate allows this login[/]"
    nhs = f"NHS number {example.nhs_number}" if example.nhs_number else "no NHS number"
    if login.person.role == Role.CITIZEN:
        return f"this login is {escape(example.name)} ({nhs}), person {example.person_id} — {escape(example.basis)}"
    return f"{nhs} ({escape(example.name)}) at /record/{example.person_id} — {escape(example.basis)}"


def _print_logins(logins: list[DemoLogin], examples: dict[str, DemoExample | None]) -> None:
    table = Table(title="Demo logins (synthetic people, for this local demo only)")
    for column in ("username", "password"):
        table.add_column(column, no_wrap=True, min_width=max(len(getattr(login, column)) for login in logins))
    for column in ("who", "organisation", "what the role is for"):
        table.add_column(column)
    for login in logins:
        table.add_row(
            login.username,
            login.password,
            escape(login.user.display_name),
            login.user.organisation_id or "—",
            login.person.role.purpose,
        )
    console.print(table)
    console.print("Try (each a record the gate let that login open just now; other roles get no care record):")
    for login in logins:
        if login.username in examples:
            console.print(f"  {login.username}: {_try_text(login, examples[login.username])}", soft_wrap=True)
    console.print(
        "Professionals (gp, clinician, nurse, social_worker) find people and read their shared care record at /record"
        " (the GP's registered patients, the trust's open episodes, the council's allocated cases and open care"
        " packages), and reach the FHIR API at /fhir with a token from `sdf token issue USERNAME`; the privacy officer"
        " reviews break glass at /privacy/alerts."
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
        examples = demo_examples(db, logins)
        prepare_citizen_demo(db, settings)
        prepare_governance_demo(db)
        prepare_sde_demo(db)
        prepare_outputs_demo(db)
        start_demo_nodes(db, settings, manifest, serve=not no_serve)
    finally:
        db.dispose()
    _print_logins(logins, examples)
    if not no_serve:
        run_server(settings, host, port)
