"""`sdf catalogue list|show|export`: the data catalogue from a terminal, and its HDR UK and DCAT exports."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from socialdata.catalogue import (
    CatalogueLinks,
    Measures,
    catalogue_entries,
    dcat_export,
    hdruk_export,
    measured_entry,
)
from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError

catalogue_app = typer.Typer(help="The data catalogue: datasets, their quality, HDR UK and DCAT exports.")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class ExportFormat(enum.StrEnum):
    HDRUK = "hdruk"
    DCAT = "dcat"


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue", no_args_is_help=True)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


QUALITY_COLUMNS = ("partner", "rows", "people", "NHS no. complete", "NHS no. valid", "linked", "quarantined")


def _figures(m: Measures) -> tuple[str, ...]:
    rates = (m.nhs_completeness, m.nhs_validity, m.linkage_rate, m.quarantine_rate)
    return (f"{m.rows:,}", f"{m.people:,}", *(_share(r) for r in rates))


@catalogue_app.command("list")
@guarded
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the datasets the Foundation can share."""
    entries = catalogue_entries()
    if json_out:
        emit_json([{"id": e.id, "title": e.dataset.title, "keywords": list(e.description.keywords)} for e in entries])
        return
    table = Table("id", "title", "columns", "keywords")
    for entry in entries:
        table.add_row(
            entry.id,
            escape(entry.dataset.title),
            str(len(entry.dataset.fields)),
            escape(", ".join(entry.description.keywords)),
        )
    console.print(table)


@catalogue_app.command("show")
@guarded
def show(
    dataset_id: Annotated[str, typer.Argument(help="The dataset's id, e.g. patients.", metavar="DATASET")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show one dataset: its description, its columns and its quality measured from the store now."""
    with open_store() as db:
        measured = measured_entry(db, dataset_id)
    dataset, quality = measured.entry.dataset, measured.quality
    if json_out:
        emit_json({"id": dataset.id, "title": dataset.title, "quality": quality.as_json()})
        return
    console.print(f"[bold]{escape(dataset.title)}[/] ({dataset.id}): {escape(dataset.description)}", highlight=False)
    columns = Table("column", "type", "description", title="Columns")
    for column in dataset.fields:
        columns.add_row(column.name, column.type.value, escape(column.description))
    console.print(columns)
    figures = Table(*QUALITY_COLUMNS, title="Quality")
    for partner in quality.partners:
        figures.add_row(escape(partner.name), *_figures(partner.measures))
    figures.add_row("[bold]all partners[/]", *_figures(quality.total))
    console.print(figures)


@catalogue_app.command("export")
@guarded
def export(
    dataset_id: Annotated[
        str | None, typer.Argument(help="The dataset (HDR UK export); none for DCAT.", metavar="[DATASET]")
    ] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="hdruk (one dataset) or dcat (all).")] = (
        ExportFormat.HDRUK
    ),
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    base_url: Annotated[str, typer.Option("--base-url", help="Where the catalogue is served.")] = DEFAULT_BASE_URL,
) -> None:
    """Export one dataset as HDR UK JSON, or the whole catalogue as DCAT JSON-LD."""
    links = CatalogueLinks(base_url)
    document: dict[str, Any]
    with open_store() as db:
        if fmt is ExportFormat.DCAT:
            if dataset_id is not None:
                raise UserError("DCAT exports the whole catalogue; leave out the dataset", where="DATASET")
            document = dcat_export(db, links)
        else:
            if dataset_id is None:
                raise UserError("name the dataset to export, e.g. `sdf catalogue export patients`", where="DATASET")
            document = hdruk_export(db, dataset_id, links)
    if out is None:
        emit_json(document)
        return
    try:
        out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the file ({exc.strerror})", where=str(out)) from None
    console.print(f"[green]Wrote[/] {escape(str(out))}", highlight=False)
