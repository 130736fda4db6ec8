"""`sdf ingest` and `sdf quarantine list|show`: load partner feeds, then see what could not be read and why."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialdata.access import QUARANTINE_DENIED, QUARANTINE_ROLES, AccessGate
from socialdata.cli.actors import actor_named
from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError
from socialdata.feeds import ResultStatus, SubmissionResult, ingest_path
from socialdata.feeds.quarantine import list_quarantine, quarantine_item
from socialdata.linkage.arrivals import ArrivalReport, WarmIndex, link_arrivals
from socialdata.store import Database

quarantine_app = typer.Typer(help="Records and files that could not be read, with what to fix.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")


@contextmanager
def open_store() -> Iterator[Database]:
    """The configured store, refused with one clear line when `sdf init` has not been run."""
    db = Database()
    try:
        if not db.is_initialised():
            raise UserError("the store has no schema yet; run `sdf init` first", where="store")
        yield db
    finally:
        db.dispose()


class BarProgress:
    """A Rich bar per file with records and records/s, for a person watching a terminal."""

    def __init__(self) -> None:
        self.bar = self._new_bar()
        self.task: TaskID | None = None
        self.started = 0.0

    @staticmethod
    def _new_bar() -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]:>10,} records"),
            TextColumn("{task.fields[rate]:>8,.0f} records/s"),
            TimeElapsedColumn(),
            console=console,
        )

    def start(self, file: str, total_bytes: int) -> None:
        self.bar = self._new_bar()
        self.bar.start()
        self.started = time.monotonic()
        self.task = self.bar.add_task(escape(file), total=total_bytes, records=0, rate=0.0)

    def advance(self, bytes_read: int, records: int) -> None:
        if self.task is not None:
            rate = records / max(time.monotonic() - self.started, 1e-6)
            self.bar.update(self.task, completed=bytes_read, records=records, rate=rate)

    def finish(self, result: SubmissionResult) -> None:
        if self.task is not None:
            total = self.bar.tasks[-1].total or 0
            self.bar.update(self.task, completed=total, records=result.records_loaded + result.records_quarantined)
        self.bar.stop()


class LineProgress:
    """Plain progress lines (at most one a second) when stderr is a log file or a pipe, not a terminal."""

    def __init__(self) -> None:
        self.file = ""
        self.total = 0
        self.started = self.last = 0.0

    def start(self, file: str, total_bytes: int) -> None:
        self.file, self.total = file, total_bytes
        self.started = time.monotonic()
        self.last = 0.0

    def advance(self, bytes_read: int, records: int) -> None:
        now = time.monotonic()
        if now - self.last < 1.0:
            return
        self.last = now
        rate = records / max(now - self.started, 1e-6)
        share = 100 * bytes_read / self.total if self.total else 100
        sys.stderr.write(f"{self.file}: {share:.0f}% read, {records:,} records, {rate:,.0f} records/s\n")
        sys.stderr.flush()

    def finish(self, result: SubmissionResult) -> None:
        """The outcome line is printed by the command."""


def _say(result: SubmissionResult, org: str) -> None:
    name = escape(Path(result.file).name)
    if result.status == ResultStatus.LOADED:
        note = ""
        if result.records_quarantined:
            note = f"; see them with `sdf quarantine list --org {org} --by USERNAME`"
        console.print(
            f"[green]Loaded[/] {name} as submission {result.submission_id} ({result.format}): "
            f"{result.records_loaded:,} records loaded, {result.records_quarantined:,} quarantined{note}.",
            highlight=False,
        )
    elif result.status == ResultStatus.DUPLICATE:
        console.print(f"{name} was {escape(result.message or 'already loaded')}.", highlight=False)
    else:
        console.print(f"[bold red]error:[/] {escape(result.message or name)}", highlight=False)


@guarded
def ingest(
    path: Annotated[Path, typer.Argument(help="A feed file, or a folder whose files are each a submission.")],
    org: Annotated[str, typer.Option("--org", help="Code of the registered organisation submitting it.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print per-file results as JSON for scripts.")] = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Encoding of CSV files (default UTF-8, BOM or not).")
    ] = None,
    no_link: Annotated[
        bool, typer.Option("--no-link", help="Do not match the new records against the person index now.")
    ] = False,
) -> None:
    """Load partner feed files (FHIR R4 transaction Bundles, CSV extracts), then match their new records against the
    person index (when `sdf link` has run); exit code 2 if any file is rejected."""
    progress = BarProgress() if console.is_terminal else LineProgress()
    with open_store() as db:
        results = ingest_path(db, path, org, encoding=encoding, progress=progress)
        linkage = [None] * len(results) if no_link else _link_loaded(db, results)
    if json_out:
        emit_json([dataclasses.asdict(r) | {"linkage": _as_json(a)} for r, a in zip(results, linkage, strict=True)])
    else:
        for result, arrivals in zip(results, linkage, strict=True):
            _say(result, org)
            if arrivals is not None:
                console.print(escape(arrivals.summary()), highlight=False)
    if any(result.status == ResultStatus.REJECTED for result in results):
        raise typer.Exit(2)


def _link_loaded(db: Database, results: list[SubmissionResult]) -> list[ArrivalReport | None]:
    """Each loaded file's new records matched against the index, one transaction per file, one warm index for all."""
    warm = WarmIndex()
    return [
        link_arrivals(db, [r.submission_id], index=warm)
        if r.status == ResultStatus.LOADED and r.submission_id is not None
        else None
        for r in results
    ]


def _as_json(report: ArrivalReport | None) -> dict[str, object] | None:
    return None if report is None else report.as_dict() | {"summary": report.summary()}


@quarantine_app.command("list")
@guarded
def quarantine_list(
    by: Annotated[str, typer.Option("--by", help="Username of the steward, privacy officer or administrator.")],
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's items.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List quarantined records: file, where in it, which field, and what to fix (the gate decides, audited)."""
    with open_store() as db:
        items = AccessGate(db).oversee(
            actor_named(db, by),
            lambda s: list_quarantine(s, org),
            entity_type="QuarantineList",
            entity_id=org or "all",
            roles=QUARANTINE_ROLES,
            refusal=QUARANTINE_DENIED,
        )
    if json_out:
        emit_json([{k: v for k, v in dataclasses.asdict(item).items() if k != "raw"} for item in items])
        return
    if not items:
        console.print("Nothing is in quarantine.")
        return
    table = Table("id", "org", "submission", "file", "where", "field", "message", "resolved")
    for item in items:
        table.add_row(
            str(item.id),
            item.organisation,
            str(item.submission_id),
            escape(item.file),
            escape(item.location),
            escape(item.field or ""),
            escape(item.message),
            "yes" if item.resolved else "",
        )
    console.print(table)


@quarantine_app.command("show")
@guarded
def quarantine_show(
    item_id: Annotated[int, typer.Argument(metavar="ID", help="The quarantine item's id.")],
    by: Annotated[str, typer.Option("--by", help="Username of the steward, privacy officer or administrator.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show one quarantined record in full, with the record as received (person data: the gate decides, audited)."""
    with open_store() as db:
        [item] = AccessGate(db).oversee(
            actor_named(db, by),
            lambda s: [quarantine_item(s, item_id)],
            entity_type="QuarantineItem",
            entity_id=str(item_id),
            roles=QUARANTINE_ROLES,
            refusal=QUARANTINE_DENIED,
        )
    if json_out:
        emit_json(dataclasses.asdict(item))
        return
    console.print(f"[bold]Quarantine item {item.id}[/]{' (resolved)' if item.resolved else ''}", highlight=False)
    for label, value in (
        ("organisation", item.organisation),
        ("submission", str(item.submission_id)),
        ("file", item.file),
        ("where", item.location),
        ("field", item.field or "-"),
        ("problem", item.message),
        ("received", f"{item.created_at:%Y-%m-%d %H:%M} UTC"),
        ("record", item.raw or "-"),
    ):
        console.print(f"{label:>12}: {escape(value)}", highlight=False)
