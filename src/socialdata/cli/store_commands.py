"""`sdf init`: create or upgrade the operational store's schema."""

from __future__ import annotations

from typing import Annotated

import typer

from socialdata.cli.output import console, emit_json, guarded
from socialdata.store import Database


def register(app: typer.Typer) -> None:
    app.command("init")(init)


@guarded
def init(json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary for scripts.")] = False) -> None:
    """Create the store's schema, or upgrade an existing one to this version."""
    db = Database()
    existed = db.is_initialised()
    db.upgrade()
    where = db.settings.database_url if not db.settings.is_sqlite else str(db.settings.home)
    if json_out:
        emit_json({"database": db.dialect, "location": where, "upgraded": existed})
    else:
        console.print(f"[green]Store ready[/] ({db.dialect}, {where}); schema {'upgraded' if existed else 'created'}.")
    db.dispose()
