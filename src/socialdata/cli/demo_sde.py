"""The demo's secure data environment: the demo researcher's projects in their access stage get their extract built
(rebuilt on every run, so opt-outs made since drop out), and the demo prints how to run the shipped example job."""

from __future__ import annotations

from rich.markup import escape

from socialdata.access import Actor
from socialdata.cli.output import console
from socialdata.cli.project_commands import build_with_progress
from socialdata.errors import UserError
from socialdata.governance.users import find_user
from socialdata.sde.overview import member_projects
from socialdata.sde.paths import EXAMPLES
from socialdata.store import Database

RESEARCHER = "researcher"


def prepare_sde_demo(db: Database) -> None:
    """Build the extract of each project the demo researcher leads in its access stage (after the governance demo)."""
    user = find_user(db, RESEARCHER)
    if user is None:
        raise UserError(f"the demo login {RESEARCHER!r} is missing; run the whole demo", where="demo")
    actor = Actor.of(user)
    projects = [p for p in member_projects(db, actor) if p.in_access and p.role == "lead"]
    if not projects:
        console.print("[yellow]SDE:[/] the demo researcher has no project in its access stage; no extract built.")
        return
    for project in projects:
        summary = build_with_progress(db, actor, project.id)
        console.print(
            f"[green]SDE:[/] project {project.id} ({escape(project.title)}): extract {summary.extract_id} holds"
            f" {summary.people:,} people; {summary.opted_out_excluded:,} left out for their national data opt-out.",
            highlight=False,
        )
    first = projects[0].id
    console.print(
        f"  Run the example job at /sde/projects/{first} as {RESEARCHER}, or: sdf project run {first}"
        f" --definition {EXAMPLES / 'definition.py'} --script {EXAMPLES / 'analysis.py'} --as {RESEARCHER}",
        highlight=False,
        soft_wrap=True,
    )
