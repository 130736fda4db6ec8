"""`sdf user add|list`: the accounts people log in with, each with one role from the RBAC vocabulary."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from socialdata.cli.output import console, emit_json, guarded
from socialdata.errors import UserError
from socialdata.governance.users import Role, create_user, list_users, parse_role
from socialdata.store import Database

user_app = typer.Typer(help="User accounts: add and list the people who log in.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("no password on standard input", where="--password-stdin")
        return line
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


@user_app.command("add")
@guarded
def add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, '.', '_' or '-'.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(r.value for r in Role)}.")],
    name: Annotated[str, typer.Option("--name", help="The person's name as shown on the pages.")],
    org: Annotated[str | None, typer.Option("--org", help="Code of the partner organisation they work for.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the new account as JSON.")] = False,
) -> None:
    """Add a user account; the password is asked for (never an option, so it stays out of shell history)."""
    chosen = parse_role(role)
    password = _read_password(password_stdin)
    db = Database()
    try:
        user = create_user(db, username, password, chosen, display_name=name, organisation_id=org)
    finally:
        db.dispose()
    if json_out:
        emit_json({"username": user.username, "role": user.role.value, "organisation": user.organisation_id})
    else:
        console.print(
            f"[green]Added[/] {user.username} ({user.role.label}, {user.organisation_id or 'no organisation'}).",
            highlight=False,
        )


@user_app.command("list")
@guarded
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List every account with its role and organisation (never a password hash)."""
    db = Database()
    try:
        users = list_users(db)
    finally:
        db.dispose()
    if json_out:
        emit_json(
            [
                {
                    "username": u.username,
                    "name": u.display_name,
                    "role": u.role.value,
                    "organisation": u.organisation_id,
                    "active": u.active,
                    "created_at": u.created_at.isoformat(),
                }
                for u in users
            ]
        )
        return
    table = Table(title=f"{len(users)} user account{'s' if len(users) != 1 else ''}")
    for column in ("username", "name", "role", "organisation", "active"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.username, escape(u.display_name), u.role.label, u.organisation_id or "—", "yes" if u.active else "no"
        )
    console.print(table)
