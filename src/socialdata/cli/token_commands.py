"""`sdf token issue USERNAME`: a bearer token for the FHIR API, valid for a few hours; only its hash is stored."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from socialdata.cli.output import console, emit_json, guarded
from socialdata.record import issue_token
from socialdata.store import Database

token_app = typer.Typer(help="Bearer tokens for the FHIR API (/fhir).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")


@token_app.command("issue")
@guarded
def issue(
    username: Annotated[str, typer.Argument(help="The user the token acts for (the gate decides what they see).")],
    hours: Annotated[float, typer.Option("--hours", help="How long it works, in hours (at most 720).")] = 8,
    json_out: Annotated[bool, typer.Option("--json", help="Print the token and its expiry as JSON.")] = False,
) -> None:
    """Issue a token; it is printed once (only its SHA-256 is kept), send it as `Authorization: Bearer …`."""
    db = Database()
    try:
        issued = issue_token(db, username, hours=hours)
    finally:
        db.dispose()
    if json_out:
        emit_json({"token": issued.token, "username": issued.username, "expires_at": issued.expires_at.isoformat()})
        return
    console.print(f"[green]Token for {issued.username}[/], valid until {issued.expires_at:%Y-%m-%d %H:%M UTC}:")
    sys.stdout.write(issued.token + "\n")  # alone on stdout, so TOKEN=$(sdf token issue …) works
