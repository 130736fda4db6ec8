"""`sdf governance`: agreements (list, show, ODRL export and import, lifecycle steps), projects (list, show, steps),
researchers' training, and expiring agreements past their end. Each step names who takes it with --by; the services
check that account's role exactly as the pages do, and audit the step."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError
from socialdata.governance.accreditation import record_training
from socialdata.governance.agreements import Agreements
from socialdata.governance.odrl import from_odrl, to_odrl
from socialdata.governance.projects import Projects
from socialdata.governance.users import User, find_user
from socialdata.store import Database

governance_app = typer.Typer(help="Data sharing agreements, projects and researchers' training.", no_args_is_help=True)
AGREEMENT_STEPS = ("submit", "review", "approve", "reject", "revoke")
PROJECT_STEPS = ("submit", "review", "approve", "access", "close", "reject")
By = Annotated[str, typer.Option("--by", help="Username of the person taking the step (their role is checked).")]
Note = Annotated[str, typer.Option("--note", help="Review note, or the reason for a rejection, revocation or closure.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    app.add_typer(governance_app, name="governance")


def _account(db: Database, username: str) -> User:
    user = find_user(db, username)
    if user is None or not user.active:
        raise UserError(f"no active user account named {username!r}", where="--by")
    return user


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) and not isinstance(value, type) else value


@governance_app.command("agreements")
@guarded
def agreements_list(json_out: JsonOut = False) -> None:
    """List every agreement with its status and dates."""
    with open_store() as db:
        agreements = Agreements(db)
        rows, today = agreements.all(), agreements.today()
    if json_out:
        emit_json([_plain(a) for a in rows])
        return
    table = Table(title="Data sharing agreements")
    for column in ("id", "title", "purpose", "status", "in force today", "from", "until"):
        table.add_column(column)
    for a in rows:
        in_force = "yes" if a.in_force(today) else "no"
        table.add_row(str(a.id), escape(a.title), a.purpose, a.status, in_force, str(a.starts_on), str(a.ends_on))
    console.print(table)


@governance_app.command("odrl")
@guarded
def agreement_odrl(agreement_id: Annotated[int, typer.Argument(help="The agreement's id.")]) -> None:
    """Print an agreement as a W3C ODRL policy (JSON-LD) on standard output."""
    with open_store() as db:
        agreement = Agreements(db).get(agreement_id)
    emit_json(to_odrl(agreement.terms, uid=f"urn:socialdata:agreement:{agreement.id}"))


@governance_app.command("import")
@guarded
def agreement_import(
    path: Annotated[Path, typer.Argument(help="An ODRL JSON-LD policy file.", exists=True, dir_okay=False)],
    by: By,
) -> None:
    """Import an ODRL policy as a draft agreement (checked like the form: dates, datasets, fields, legal basis)."""
    try:
        policy = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise UserError("the file is not JSON", where=str(path)) from None
    with open_store() as db:
        created = Agreements(db).draft(_account(db, by), from_odrl(policy))
    console.print(f"[green]Drafted[/] agreement {created.id}: {escape(created.title)}", highlight=False)


@governance_app.command("agreement")
@guarded
def agreement_step(
    agreement_id: Annotated[int, typer.Argument(help="The agreement's id.")],
    step: Annotated[str, typer.Argument(help=f"One of: {', '.join(AGREEMENT_STEPS)}.")],
    by: By,
    note: Note = "",
) -> None:
    """Take one lifecycle step: draft -> submitted -> steward reviewed -> active (board) -> revoked; or reject."""
    with open_store() as db:
        account, agreements = _account(db, by), Agreements(db)
        if step == "submit":
            done = agreements.submit(account, agreement_id)
        elif step == "review":
            done = agreements.steward_review(account, agreement_id, note)
        elif step == "approve":
            done = agreements.approve(account, agreement_id)
        elif step == "reject":
            done = agreements.reject(account, agreement_id, note)
        elif step == "revoke":
            done = agreements.revoke(account, agreement_id, note)
        else:
            raise UserError(f"unknown step {step!r}; the steps are {', '.join(AGREEMENT_STEPS)}", where="step")
    console.print(f"Agreement {done.id} is now [bold]{done.status}[/].", highlight=False)


@governance_app.command("expire")
@guarded
def expire() -> None:
    """Mark active agreements past their end date as expired (the gate already refuses them from that day)."""
    with open_store() as db:
        expired = Agreements(db).expire_due()
    console.print(f"Expired {len(expired)} agreement(s){': ' + ', '.join(map(str, expired)) if expired else ''}.")


@governance_app.command("projects")
@guarded
def projects_list(by: By, json_out: JsonOut = False) -> None:
    """List the projects the named account may see (researchers: their own)."""
    with open_store() as db:
        rows = Projects(db).visible_to(_account(db, by))
    if json_out:
        emit_json([_plain(p) for p in rows])
        return
    table = Table(title="Projects")
    for column in ("id", "title", "organisation", "purpose", "stage", "agreement"):
        table.add_column(column)
    for p in rows:
        agreement = str(p.agreement_id or "—")
        table.add_row(str(p.id), escape(p.title), escape(p.organisation_name), p.purpose, p.stage, agreement)
    console.print(table)


@governance_app.command("project")
@guarded
def project_step(
    project_id: Annotated[int, typer.Argument(help="The project's id.")],
    step: Annotated[str, typer.Argument(help=f"One of: {', '.join(PROJECT_STEPS)}.")],
    by: By,
    note: Note = "",
) -> None:
    """Take one stage step: submit (lead), review (steward), approve (board), access (steward), close, reject."""
    with open_store() as db:
        account, projects = _account(db, by), Projects(db)
        if step == "submit":
            done = projects.submit(account, project_id)
        elif step == "review":
            done = projects.review(account, project_id, note)
        elif step == "approve":
            done = projects.approve(account, project_id)
        elif step == "access":
            done = projects.open_access(account, project_id)
        elif step == "close":
            done = projects.close(account, project_id, note)
        elif step == "reject":
            done = projects.reject(account, project_id, note)
        else:
            raise UserError(f"unknown step {step!r}; the steps are {', '.join(PROJECT_STEPS)}", where="step")
    console.print(f"Project {done.id} is now at stage [bold]{done.stage}[/].", highlight=False)


@governance_app.command("training")
@guarded
def training(
    username: Annotated[str, typer.Argument(help="The researcher's username.")],
    by: By,
    course: Annotated[str, typer.Option("--course", help="The training course.")],
    completed: Annotated[dt.datetime, typer.Option("--completed", formats=["%Y-%m-%d"], help="Completed on.")],
    expires: Annotated[dt.datetime, typer.Option("--expires", formats=["%Y-%m-%d"], help="Expires on.")],
) -> None:
    """Record (or renew) a researcher's training; projects are approved only while every member's is valid."""
    with open_store() as db:
        done = record_training(
            db, _account(db, by), username, training=course, completed_on=completed.date(), expires_on=expires.date()
        )
    console.print(f"Recorded {escape(done.training)} for {done.username}, valid until {done.training_expires_on}.")
