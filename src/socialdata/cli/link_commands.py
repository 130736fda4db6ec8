"""`sdf link`: run batch linkage into the master person index, review doubtful pairs, report linkage quality."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from socialdata.access import AccessGate
from socialdata.audit import Action
from socialdata.cli.actors import actor_named
from socialdata.cli.output import console, emit_json, guarded, user_errors
from socialdata.errors import UserError
from socialdata.linkage.records import FieldWeight
from socialdata.linkage.report import QualityReport, quality_report
from socialdata.linkage.review import (
    REVIEW_REFUSAL,
    REVIEWER_ROLES,
    RecordSide,
    ReviewDetail,
    Reviewer,
    ReviewSummary,
    decide,
    list_items,
    open_count,
    parse_decision,
    show_item,
)
from socialdata.linkage.service import run_linkage
from socialdata.store import Database
from socialdata.store.models import ReviewStatus

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
ByOption = Annotated[str, typer.Option("--by", help="Username of the data steward (or privacy officer) reviewing.")]

link_app = typer.Typer(
    help="Master person index: link every partner's records into persons, review doubtful pairs, report quality.",
    invoke_without_command=True,
)
review_app = typer.Typer(help="Clerical review of pairs the model could not settle.", no_args_is_help=True)
link_app.add_typer(review_app, name="review")


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")


@contextmanager
def _store() -> Iterator[Database]:
    db = Database()
    try:
        if not db.is_initialised():
            raise UserError("the store has no schema yet; run `sdf init` (or `sdf demo`) first", where="store")
        yield db
    finally:
        db.dispose()


class _BarProgress:
    """Draws each of the service's stages as a Rich bar on stderr, completing the previous one."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._total = 1

    def stage(self, description: str, total: int | None = None) -> None:
        self.done()
        self._total = total or 1
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def done(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=self._total, completed=self._total)


@link_app.callback()
def link(ctx: typer.Context, json_out: JsonOption = False) -> None:
    """Link every source record into persons (stable ids), honouring the stewards' decisions."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors(), _store() as db:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=json_out) as progress:
            summary = run_linkage(db, progress=_BarProgress(progress))
    if json_out:
        emit_json(summary.as_dict())
        return
    table = Table(title=f"Linkage run {summary.run_id}", show_header=False)
    for name, value in summary.as_dict().items():
        if name != "run_id":
            table.add_row(name.replace("_", " "), f"{value:,}")
    console.print(table)


@review_app.command("list")
@guarded
def review_list(
    all_items: Annotated[bool, typer.Option("--all", help="Include decided items.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many items.")] = 100,
    json_out: JsonOption = False,
) -> None:
    """The review queue, most doubtful pair first (record keys and weights only, no identifiers)."""
    with _store() as db, db.session() as s:
        items = list_items(s, status=None if all_items else ReviewStatus.OPEN, limit=limit)
        waiting = open_count(s)
    if json_out:
        emit_json([vars(i) for i in items])
        return
    if not items:
        console.print("The review queue is empty.")
        return
    table = Table(title=f"{waiting:,} open review item{'s' if waiting != 1 else ''}; {len(items):,} shown")
    for column in ("id", "left record", "right record", "match weight", "probability", "status", "decision"):
        table.add_column(column, justify="right" if column in ("id", "match weight", "probability") else "left")
    for i in items:
        table.add_row(
            str(i.id),
            str(i.left_key),
            str(i.right_key),
            f"{i.match_weight:+.2f}",
            f"{i.match_probability:.3f}",
            i.status,
            i.decision or "—",
        )
    console.print(table)


@review_app.command("show")
@guarded
def review_show(
    item_id: Annotated[int, typer.Argument(help="The review item's id (from `sdf link review list`).")],
    by: ByOption,
    json_out: JsonOption = False,
) -> None:
    """Both records side by side and the match weight field by field (the gate decides and audits: identifiers)."""
    with _store() as db:
        [detail] = _through_gate(db, by, item_id, Action.READ, lambda s, reviewer: show_item(s, item_id, reviewer))
    if json_out:
        emit_json(_detail_json(detail))
        return
    _print_detail(detail)


@review_app.command("decide")
@guarded
def review_decide(
    item_id: Annotated[int, typer.Argument(help="The review item's id.")],
    decision: Annotated[str, typer.Option("--decision", help="match, non_match or unsure.")],
    by: ByOption,
    note: Annotated[str | None, typer.Option("--note", help="Why, for the next steward.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Accept (match), reject (non_match) or mark unsure; every later run honours it."""
    verdict = parse_decision(decision)
    with _store() as db:
        [summary] = _through_gate(
            db, by, item_id, Action.UPDATE, lambda s, reviewer: decide(s, item_id, verdict, reviewer, note=note)
        )
    if json_out:
        emit_json(vars(summary))
        return
    console.print(
        f"[green]Decided[/] item {summary.id}: {summary.decision}. The next `sdf link` honours it.", highlight=False
    )


def _through_gate(
    db: Database, by: str, item_id: int, action: Action, work: Callable[[Session, Reviewer], T]
) -> list[T]:
    """Review shows identifiers, so the CLI asks the same gate as the web page, as the named steward."""
    actor = actor_named(db, by)
    return AccessGate(db).oversee(
        actor,
        lambda s: [work(s, Reviewer(actor.user_id, actor.username, actor.role.value, actor.organisation_id))],
        entity_type="ReviewItem",
        entity_id=str(item_id),
        roles=REVIEWER_ROLES,
        refusal=REVIEW_REFUSAL,
        action=action,
    )


@link_app.command("report")
@guarded
def report(
    truth: Annotated[
        Path | None, typer.Option("--truth", help="The synthetic city's truth.csv, to score the links against.")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Link rates per source, review queue, singletons, conflicts, last run; with --truth, precision/recall/F1."""
    with _store() as db, db.session() as s:
        result = quality_report(s, truth)
    if json_out:
        emit_json(result.as_dict())
        return
    _print_report(result)


_SIDE_FIELDS = (
    ("organisation", "organisation_id"),
    ("source id", "source_id"),
    ("NHS number", "nhs_number"),
    ("given name", "given_name"),
    ("other given names", "other_given_names"),
    ("family name", "family_name"),
    ("birth date", "birth_date"),
    ("sex", "sex"),
    ("address", "address"),
    ("postcode", "postcode"),
    ("death date", "death_date"),
)


def _detail_json(detail: ReviewDetail) -> dict[str, object]:
    return {
        **vars(detail.summary),
        "rule": detail.rule,
        "left": vars(detail.left),
        "right": vars(detail.right),
        "fields": [vars(f) for f in detail.fields],
        "decided_by": detail.decided_by,
        "decided_at": detail.decided_at,
        "note": detail.note,
    }


def _value(side: RecordSide, name: str) -> str:
    value = getattr(side, name)
    return "—" if value is None else str(value)


def _print_detail(detail: ReviewDetail) -> None:
    s: ReviewSummary = detail.summary
    records = Table(title=f"Review item {s.id} ({s.status}{', ' + s.decision if s.decision else ''})")
    records.add_column("field")
    records.add_column(f"record {detail.left.key}")
    records.add_column(f"record {detail.right.key}")
    for label, name in _SIDE_FIELDS:
        records.add_row(label, _value(detail.left, name), _value(detail.right, name))
    console.print(records)
    weights = Table(title=f"Why: match weight {s.match_weight:+.2f} (probability {s.match_probability:.3f})")
    for column in ("field", "comparison", "left", "right", "weight"):
        weights.add_column(column, justify="right" if column == "weight" else "left")
    field: FieldWeight
    for field in detail.fields:
        weights.add_row(field.field, field.level, field.left or "—", field.right or "—", f"{field.weight:+.2f}")
    console.print(weights)
    if detail.decided_by:
        console.print(f"Decided by {detail.decided_by} at {detail.decided_at}; note: {detail.note or '—'}")


def _print_report(result: QualityReport) -> None:
    summary = Table(title="Master person index", show_header=False)
    for label, value in (
        ("persons", result.persons),
        ("source records", result.records),
        ("singleton persons (one record)", result.singletons),
        ("records not yet linked", result.not_yet_linked),
        ("review queue (open)", result.review_open),
        ("identifier conflicts (last run)", result.conflicts),
    ):
        summary.add_row(label, f"{value:,}")
    console.print(summary)
    sources = Table(title="Link rates per source")
    for column in ("organisation", "records", "linked", "rate", "linked across sources", "rate"):
        sources.add_column(column, justify="left" if column == "organisation" else "right")
    for src in result.sources:
        sources.add_row(
            src.organisation_id,
            f"{src.records:,}",
            f"{src.linked:,}",
            f"{src.link_rate:.1%}",
            f"{src.linked_across_sources:,}",
            f"{src.cross_source_rate:.1%}",
        )
    console.print(sources)
    if result.last_run:
        run = result.last_run
        console.print(
            f"Last run {run.id} at {run.finished_at:%Y-%m-%d %H:%M} UTC: {run.records:,} records, {run.persons:,}"
            f" persons; {run.persons_created:,} created, {run.persons_merged:,} merged, {run.persons_split:,} split,"
            f" {run.records_moved:,} records moved."
        )
    if result.truth:
        scores = Table(title=f"Against the truth ({result.truth.records:,} records)")
        for column in ("measure", "precision", "recall", "F1"):
            scores.add_column(column, justify="left" if column == "measure" else "right")
        for label, s in (("pairwise links", result.truth.pairwise), ("clusters (B-cubed)", result.truth.bcubed)):
            scores.add_row(label, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}")
        console.print(scores)
        console.print(f"People whose records form exactly one person: {result.truth.exact_clusters:.2%}")
