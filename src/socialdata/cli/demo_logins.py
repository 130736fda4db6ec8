"""The demo's logins: one file of printed passwords (owner-readable, in SDF_HOME) so a re-run keeps every login the
same, and one way to make or refresh an account from it."""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path

from rich.markup import escape

from socialdata.cli.output import console
from socialdata.errors import UserError
from socialdata.governance.users import Role, User, authenticate, create_user, find_user, set_password
from socialdata.store import Database

DEMO_LOGINS_FILE = "demo-logins.json"


def _new_password() -> str:
    """Twelve letters and digits: easy to copy from a terminal, never starting with '-'."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))


class DemoPasswords:
    """The passwords printed by earlier runs; `save` writes them back, readable by the owner only."""

    def __init__(self, home: Path) -> None:
        self._path = home / DEMO_LOGINS_FILE
        self._passwords = self._read()

    def _read(self) -> dict[str, str]:
        if not self._path.exists():
            return {}
        try:
            stored = json.loads(self._path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            stored = None
        if not isinstance(stored, dict):
            raise UserError(
                "not the demo logins this command writes; delete it to make new ones", where=str(self._path)
            )
        return {str(k): str(v) for k, v in stored.items()}

    def for_user(self, username: str) -> str:
        return self._passwords.setdefault(username, _new_password())

    def save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self._passwords, out, indent=2)


def ensure_login(
    db: Database,
    passwords: DemoPasswords,
    username: str,
    role: Role,
    display_name: str,
    organisation: str | None,
) -> tuple[User, str]:
    """The account, made now or given back its printed password; an account an earlier demo made differently keeps
    what it has, and the demo says so."""
    password = passwords.for_user(username)
    user = find_user(db, username)
    if user is None:
        user = create_user(db, username, password, role, display_name=display_name, organisation_id=organisation)
        return user, password
    if authenticate(db, username, password) is None:
        set_password(db, username, password)
    if (user.display_name, user.organisation_id) != (display_name, organisation):
        console.print(
            f"[yellow]The {username} login was made by an earlier demo[/] as {escape(user.display_name)}"
            f" at {user.organisation_id or 'no organisation'}, not as {escape(display_name)} at"
            f" {organisation or 'no organisation'}; it keeps that. For a clean demo use a new SDF_HOME."
        )
    return user, password
