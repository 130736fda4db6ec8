"""`sdf project`: build a project's extract, run jobs (dataset definition + analysis script) in the secure data
environment, follow their state and log, cancel them; `sdf project outputs` asks for outputs to be released."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialdata.access import Actor
from socialdata.cli import output_commands
from socialdata.cli.actors import actor_named
from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError
from socialdata.sde.extracts import BUILD_STEPS, ExtractSummary, build_extract
from socialdata.sde.jobs import (
    JobView,
    cancel_job,
    job_log,
    job_view,
    output_files,
    project_jobs,
    start_job,
    submit_job,
)
from socialdata.sde.retention import delete_closed_extracts
from socialdata.store import Database
from socialdata.store.models import JobState

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AsOption = Annotated[str, typer.Option("--as", help="Username of the project member acting.")]
ProjectArg = Annotated[int, typer.Argument(help="The project's id.")]
JobArg = Annotated[int, typer.Argument(help="The job's id.")]

project_app = typer.Typer(
    help="The secure data environment: project extracts, jobs, and outputs for release.", no_args_is_help=True
)
project_app.add_typer(output_commands.app, name="outputs")


def register(app: typer.Typer) -> None:
    app.add_typer(project_app, name="project")


def _actor(db: Database, username: str) -> Actor:
    try:
        return actor_named(db, username)
    except UserError as error:
        raise UserError(error.message, where="--as") from None


def _source(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}", where=option) from None


def _extract_json(summary: ExtractSummary) -> dict[str, object]:
    return {
        "extract_id": summary.extract_id,
        "project_id": summary.project_id,
        "people": summary.people,
        "opted_out_excluded": summary.opted_out_excluded,
        "opt_out_applied": summary.opt_out_applied,
        "rows": summary.rows,
        "replaced": [extract_id for extract_id, _ in summary.replaced],
        "built_at": summary.built_at.isoformat(),
    }


def build_with_progress(db: Database, actor: Actor, project_id: int) -> ExtractSummary:
    """Build the project's extract with a Rich bar over its steps (the CLI and the demo use it)."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("checking access", total=len(BUILD_STEPS))

        def step(description: str) -> None:
            progress.update(task, description=description, completed=BUILD_STEPS.index(description))

        summary = build_extract(db, actor, project_id, progress=step)
        progress.update(task, description="built", completed=len(BUILD_STEPS))
    return summary


@project_app.command("delete-closed")
@guarded
def delete_closed() -> None:
    """Delete the extracts of closed projects (the files go; who was in them stays for citizens to see)."""
    with open_store() as db:
        projects = delete_closed_extracts(db)
    console.print(f"deleted the extracts of {len(projects)} closed project(s): {', '.join(map(str, projects)) or '—'}")


@project_app.command("extract")
@guarded
def extract(project: ProjectArg, as_user: AsOption, json_out: JsonOption = False) -> None:
    """Build (or rebuild) the project's extract: approved fields only, opt-outs applied, pseudonymised."""
    with open_store() as db:
        summary = build_with_progress(db, _actor(db, as_user), project)
    if json_out:
        emit_json(_extract_json(summary))
        return
    table = Table(title=f"Extract {summary.extract_id} of project {project}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    opt_outs = (
        f"{summary.opted_out_excluded:,} left out for their national data opt-out"
        if summary.opt_out_applied
        else "national data opt-out NOT applied (the project records an exemption)"
    )
    console.print(f"{summary.people:,} people; {opt_outs}.")


def _job_json(view: JobView, outputs: list[Path]) -> dict[str, object]:
    return {
        "id": view.id,
        "project_id": view.project_id,
        "state": view.state.value,
        "exit_code": view.exit_code,
        "message": view.message,
        "created_at": view.created_at.isoformat(),
        "started_at": view.started_at.isoformat() if view.started_at else None,
        "finished_at": view.finished_at.isoformat() if view.finished_at else None,
        "outputs": [str(p) for p in outputs],
    }


@project_app.command("run")
@guarded
def run(
    project: ProjectArg,
    definition: Annotated[Path, typer.Option("--definition", help="The dataset definition (Python).")],
    script: Annotated[Path, typer.Option("--script", help="The analysis script (Python), writing to outputs/.")],
    as_user: AsOption,
    json_out: JsonOption = False,
) -> None:
    """Run a job in the secure data environment and wait for it; prints its log and the outputs it wrote."""
    with open_store() as db:
        actor = _actor(db, as_user)
        job_id = submit_job(db, actor, project, _source(definition, "--definition"), _source(script, "--script"))
        runner = start_job(db, job_id)
        try:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as p:
                task = p.add_task(f"job {job_id}: queued")
                while runner.is_alive():
                    p.update(task, description=f"job {job_id}: {job_view(db, job_id).state.value}")
                    time.sleep(0.5)
        except KeyboardInterrupt:
            cancel_job(db, actor, job_id)  # the job must not run on, unwatched, after its command is gone
            runner.join()
            raise typer.Exit(130) from None
        view = job_view(db, job_id)
        outputs = output_files(db.settings, job_id)
        log = job_log(db, actor, job_id)
    if json_out:
        emit_json(_job_json(view, outputs))
    else:
        console.print(log, markup=False, highlight=False)
        console.print(f"job {job_id} {view.state.value}: {view.message}")
        for path in outputs:
            console.print(f"  output: {path}")
    if view.state != JobState.SUCCEEDED:
        raise typer.Exit(1)


@project_app.command("jobs")
@guarded
def jobs(project: ProjectArg, as_user: AsOption, json_out: JsonOption = False) -> None:
    """The project's jobs, newest first."""
    with open_store() as db:
        views = project_jobs(db, _actor(db, as_user), project)
        outputs = {view.id: output_files(db.settings, view.id) for view in views}
    if json_out:
        emit_json([_job_json(view, outputs[view.id]) for view in views])
        return
    table = Table(title=f"Jobs of project {project}")
    for column in ("job", "state", "submitted", "finished", "outputs", "message"):
        table.add_column(column)
    for view in views:
        finished = view.finished_at.strftime("%Y-%m-%d %H:%M") if view.finished_at else ""
        table.add_row(
            str(view.id),
            view.state.value,
            view.created_at.strftime("%Y-%m-%d %H:%M"),
            finished,
            str(len(outputs[view.id])),
            view.message or "",
        )
    console.print(table)


@project_app.command("log")
@guarded
def log(job: JobArg, as_user: AsOption) -> None:
    """A job's log (what isolation was in force, what the definition and script printed, how it ended)."""
    with open_store() as db:
        text = job_log(db, _actor(db, as_user), job)
    typer.echo(text, nl=False)


@project_app.command("cancel")
@guarded
def cancel(job: JobArg, as_user: AsOption) -> None:
    """Cancel a queued or running job (its processes are killed)."""
    with open_store() as db:
        view = cancel_job(db, _actor(db, as_user), job)
    console.print(f"job {view.id} {view.state.value}")
