"""`sdf project outputs`: check an output file, ask for a job's files to be released, review requests as an output
checker, and follow them. Mounted under `sdf project` (cli/project_commands.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socialdata.access import Actor
from socialdata.cli.actors import actor_named
from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError
from socialdata.governance.users import list_users
from socialdata.outputs.airlock import Airlock, FileToRelease
from socialdata.outputs.checks import check_output
from socialdata.outputs.differencing import NamedTable
from socialdata.outputs.findings import FileCheck, Outcome
from socialdata.outputs.request_views import CHECKER_ROLES, RequestView
from socialdata.outputs.rules import DEFAULT_RULES
from socialdata.store import Database
from socialdata.store.models import ReviewDecision

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AsOption = Annotated[str, typer.Option("--as", help="Username of the person acting.")]
RequestArg = Annotated[int, typer.Argument(help="The output request's id.")]
FilesOption = Annotated[list[str], typer.Option("--file", help="A file under the job's outputs/ folder (repeat).")]
DescriptionsOption = Annotated[
    list[str], typer.Option("--description", help="What the file shows, one per --file, in the same order.")
]
_COLOURS = {Outcome.PASS: "green", Outcome.REVIEW: "yellow", Outcome.FAIL: "red"}

app = typer.Typer(help="Outputs: automatic disclosure checks, release requests and their review.", no_args_is_help=True)


@contextmanager
def _airlock(username: str) -> Iterator[tuple[Airlock, Actor]]:
    with open_store() as db:
        yield Airlock(db), _actor(db, username)


def _actor(db: Database, username: str) -> Actor:
    try:
        return actor_named(db, username)
    except UserError as error:
        raise UserError(error.message, where="--as") from None


def _files(names: list[str], descriptions: list[str]) -> list[FileToRelease]:
    if len(names) != len(descriptions):
        raise UserError(
            f"{len(names)} --file but {len(descriptions)} --description: give one of each per file",
            where="--description",
        )
    return [FileToRelease(n, d) for n, d in zip(names, descriptions, strict=True)]


def _print_check(check: FileCheck) -> None:
    colour = _COLOURS[check.outcome]
    console.print(f"[bold]{check.name}[/] ({check.kind}, {check.layout}): [{colour}]{check.outcome.value}[/]")
    for finding in check.findings:
        mark = _COLOURS[finding.outcome]
        console.print(f"  [{mark}]{finding.outcome.value:6}[/] {finding.rule}: {finding.message}", highlight=False)
        for cell in finding.cells:
            console.print(f"           {cell}", highlight=False, markup=False)
        if finding.more:
            console.print(f"           … and {finding.more} more", highlight=False)


def _request_json(view: RequestView) -> dict[str, object]:
    return {
        "id": view.id,
        "project_id": view.project_id,
        "job_id": view.job_id,
        "title": view.title,
        "requested_by": view.requested_by,
        "status": view.status.value,
        "revision": view.revision,
        "votes_in": view.votes_in,
        "votes": [
            {"reviewer": v.reviewer, "decision": v.decision.value, "comments": v.comments, "revision": v.revision}
            for v in view.votes
        ],
        "files": [
            {"name": f.name, "description": f.description, "released": f.released, **f.check.as_json()}
            for f in view.files
        ],
        "released_at": view.released_at.isoformat() if view.released_at else None,
    }


def _print_request(view: RequestView) -> None:
    console.print(
        f"[bold]Request {view.id}[/] — {view.title} (project {view.project_id}: {view.project_title})", highlight=False
    )
    console.print(
        f"by {view.requested_by}, revision {view.revision}, status [bold]{view.status.value}[/], "
        f"{view.votes_in} of 2 votes in on this revision",
        highlight=False,
    )
    for f in view.files:
        console.print(f"\n{f.description}", highlight=False, markup=False)
        _print_check(f.check)
    for vote in view.votes:
        console.print(
            f"vote (revision {vote.revision}) {vote.reviewer}: {vote.decision.value} {vote.comments}",
            highlight=False,
            markup=False,
        )


def _show_request(view: RequestView, json_out: bool) -> None:
    """A request as JSON for scripts, or as the table and check results for a person."""
    if json_out:
        emit_json(_request_json(view))
    else:
        _print_request(view)


@app.command("check")
@guarded
def check(
    file: Annotated[Path, typer.Argument(help="The output file to check.", exists=True, dir_okay=False)],
    project: Annotated[
        int | None, typer.Option("--project", help="Use the project's rules and its other outputs.")
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="A member of --project.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Run the automatic checks on a file, as the airlock will (exit 1 when it fails)."""
    rules, others = DEFAULT_RULES, list[NamedTable]()
    if project is not None:
        if as_user is None:
            raise UserError("say who you are with --as: the project's other outputs are for its members", where="--as")
        with _airlock(as_user) as (airlock, actor):
            rules, others = airlock.check_context(actor, project)
    result, _ = check_output(file, rules, others)
    if json_out:
        emit_json(result.as_json())
    else:
        _print_check(result)
    if result.outcome is Outcome.FAIL:
        raise typer.Exit(1)


@app.command("request")
@guarded
def request(
    job: Annotated[int, typer.Argument(help="The finished job whose outputs/ holds the files.")],
    title: Annotated[str, typer.Option("--title", help="What the outputs are, in a line.")],
    files: FilesOption,
    descriptions: DescriptionsOption,
    as_user: AsOption,
    json_out: JsonOption = False,
) -> None:
    """Ask for files a job wrote to be released; refused when any fails the automatic checks."""
    with _airlock(as_user) as (airlock, actor):
        request_id = airlock.request_release(actor, job, title, _files(files, descriptions))
        view = airlock.request_view(actor, request_id)
    _show_request(view, json_out)


@app.command("revise")
@guarded
def revise(
    request_id: RequestArg,
    job: Annotated[int, typer.Option("--job", help="The job whose outputs/ holds the revised files.")],
    files: FilesOption,
    descriptions: DescriptionsOption,
    as_user: AsOption,
    json_out: JsonOption = False,
) -> None:
    """Answer a returned request with revised files (two fresh votes are then needed)."""
    with _airlock(as_user) as (airlock, actor):
        airlock.revise(actor, request_id, job, _files(files, descriptions))
        view = airlock.request_view(actor, request_id)
    _show_request(view, json_out)


@app.command("review")
@guarded
def review(
    request_id: RequestArg,
    decision: Annotated[ReviewDecision, typer.Option("--decision", help="approve, return or reject.")],
    as_user: AsOption,
    comments: Annotated[str, typer.Option("--comments", help="Why (needed to return or reject).")] = "",
    json_out: JsonOption = False,
) -> None:
    """Vote on a request as an output checker (a data steward who is not its author)."""
    with _airlock(as_user) as (airlock, actor):
        view = airlock.review(actor, request_id, decision, comments)
    _show_request(view, json_out)


@app.command("show")
@guarded
def show(request_id: RequestArg, as_user: AsOption, json_out: JsonOption = False) -> None:
    """One request: its files, their check results, and the votes you may see."""
    with _airlock(as_user) as (airlock, actor):
        view = airlock.request_view(actor, request_id)
    _show_request(view, json_out)


@app.command("list")
@guarded
def list_requests(
    as_user: AsOption,
    project: Annotated[int | None, typer.Option("--project", help="Only this project's requests.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Output checkers: the requests awaiting review. Researchers: their projects' requests."""
    with _airlock(as_user) as (airlock, actor):
        if project is not None:
            views = airlock.project_requests(actor, project)
        elif actor.role in CHECKER_ROLES:
            views = airlock.queue(actor)
        else:
            views = airlock.my_requests(actor)
    if json_out:
        emit_json([_request_json(v) for v in views])
        return
    table = Table(title="Output requests")
    for column in ("request", "project", "title", "by", "status", "revision", "votes", "files"):
        table.add_column(column)
    for v in views:
        votes = f"{v.votes_in}/2" + (" (yours in)" if v.my_vote else " (you may vote)" if v.can_review else "")
        table.add_row(
            str(v.id),
            str(v.project_id),
            v.title,
            v.requested_by,
            v.status.value,
            str(v.revision),
            votes,
            ", ".join(f.name for f in v.files),
        )
    console.print(table)


def prepare_outputs_demo(db: Database) -> None:
    """Say how the demo's outputs reach the register: the researcher asks from a finished job, two output checkers
    (the demo's data stewards) vote. Called by `sdf demo` after the SDE demo."""
    checkers = [u.username for u in list_users(db) if u.role in CHECKER_ROLES and u.active]
    if len(checkers) < 2:
        console.print("[yellow]Outputs:[/] fewer than two data stewards, so no request can be released in this demo.")
        return
    console.print(
        "[green]Outputs:[/] after a job, ask for its outputs' release from the job's page (or `sdf project outputs"
        " request JOB --title ... --file NAME --description ... --as researcher`); "
        f"{checkers[0]} and {checkers[1]} review at /outputs (or `sdf project outputs review`). Released files appear"
        " on /register.",
        highlight=False,
        soft_wrap=True,
    )
