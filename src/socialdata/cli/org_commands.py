"""`sdf org add|list`: the partner organisations that may submit feeds."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.governance.organisations import list_organisations, register_organisation
from socialdata.store.models import OrganisationKind

org_app = typer.Typer(help="Partner organisations of the Foundation.", no_args_is_help=True)
KINDS = ", ".join(k.value for k in OrganisationKind)


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")


@org_app.command("add")
@guarded
def add(
    code: Annotated[str, typer.Argument(help="ODS-style code, e.g. RZZ or Y90001.")],
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {KINDS}.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Register an organisation (again: updates its name and kind)."""
    with open_store() as db:
        org = register_organisation(db, code, name, kind)
    if json_out:
        emit_json(dataclasses.asdict(org))
    else:
        console.print(f"[green]Registered[/] {org.code} ({escape(org.kind)}): {escape(org.name)}", highlight=False)


@org_app.command("list")
@guarded
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the registered organisations."""
    with open_store() as db:
        orgs = list_organisations(db)
    if json_out:
        emit_json([dataclasses.asdict(org) for org in orgs])
        return
    if not orgs:
        console.print("No organisations are registered yet; add one with `sdf org add CODE --name NAME --kind KIND`.")
        return
    table = Table("code", "kind", "name")
    for org in orgs:
        table.add_row(org.code, org.kind, escape(org.name))
    console.print(table)
