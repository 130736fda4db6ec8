"""The citizen portal in `sdf demo`: the demo citizen finds professionals' accesses in their log (a relationship-based
open, a break glass with its reason and the privacy officer's review), proofs ready against a signed tree head, items
to ask corrections about — and the partner that holds those items has a login to work its correction queue.

Re-running it adds no second break glass and keeps the records officer's printed password (cli/demo_logins.py).
"""

from __future__ import annotations

from rich.markup import escape
from sqlalchemy import select

from socialdata.access import AccessDenied, AccessGate, Actor, AlertStatus, GrantKind, Purpose
from socialdata.audit import issue_tree_head
from socialdata.citizen import CitizenPortal, linked_person
from socialdata.cli.demo_logins import DemoPasswords, ensure_login
from socialdata.cli.output import console
from socialdata.config import Settings
from socialdata.governance.users import Role, User, find_user
from socialdata.store import Database
from socialdata.store.models import AccessGrant

OFFICER = "records_officer"
CARE_LOGINS = ("gp", "clinician", "social_worker", "nurse")
GLASS_REASON = "Brought to A&E unconscious (demo): needed current medicines and allergies at once."
REVIEW_NOTE = "Checked with the emergency department's log: the patient was in resus at that time (demo)."


def _accesses(db: Database, person: str) -> Actor | None:
    """Each care login opens the record if the gate lets it; the first it refuses is the one who breaks glass."""
    gate = AccessGate(db)
    refused: Actor | None = None
    for username in CARE_LOGINS:
        user = find_user(db, username)
        if user is None:
            continue
        actor = Actor.of(user)
        try:
            with gate.open_person(actor, person, Purpose.DIRECT_CARE):
                pass
        except AccessDenied:
            refused = refused or actor
    return refused


def _break_glass(db: Database, person: str, actor: Actor) -> None:
    """Once per person (a re-run, or a login still within its four hours, adds no second one)."""
    gate = AccessGate(db)
    with db.session() as s:
        earlier = s.scalar(
            select(AccessGrant.id).where(AccessGrant.person_id == person, AccessGrant.kind == GrantKind.BREAK_GLASS)
        )
    if earlier is not None:
        return
    gate.break_glass(actor, person, GLASS_REASON)
    with gate.open_person(actor, person, Purpose.EMERGENCY_CARE):
        pass
    officer = find_user(db, Role.PRIVACY_OFFICER.value)
    if officer is None:
        return
    for alert in gate.list_alerts(Actor.of(officer)):
        if alert.person_id == person:
            gate.review_alert(Actor.of(officer), alert.alert_id, AlertStatus.JUSTIFIED, REVIEW_NOTE)


def _records_officer(db: Database, settings: Settings, organisation: str) -> tuple[User, str]:
    passwords = DemoPasswords(settings.home)
    made = ensure_login(db, passwords, OFFICER, Role.ADMINISTRATOR, "Records officer", organisation)
    passwords.save()
    return made


def prepare_citizen_demo(db: Database, settings: Settings) -> None:
    """Give the demo citizen accesses to see, proofs to check and a partner queue to send corrections to."""
    citizen = find_user(db, Role.CITIZEN.value)
    person = linked_person(db, Actor.of(citizen)) if citizen is not None else None
    if citizen is None or person is None:
        console.print("[yellow]No demo citizen is linked to a person; the citizen portal has nobody to show.[/]")
        return
    refused = _accesses(db, person)
    if refused is not None:
        _break_glass(db, person, refused)
    own = CitizenPortal(db).record(Actor.of(citizen), person)
    owners = [i.item.provenance.organisation_id for i in own.timeline if i.item.provenance.organisation_id]
    issue_tree_head(db)  # every access so far is provable at once
    if not owners:
        console.print("[yellow]The demo citizen's record is empty; there is nothing to ask a correction about.[/]")
        return
    officer, password = _records_officer(db, settings, owners[0])
    console.print(
        f"Citizen portal: log in as [bold]citizen[/] at /citizen (record, who looked with proofs, data uses, choices,"
        f" corrections, download). Corrections about {escape(officer.organisation_id or '')}'s items wait for"
        f" [bold]{OFFICER}[/] (password {password}) at /corrections.",
        highlight=False,
        soft_wrap=True,
    )
