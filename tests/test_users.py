"""User accounts: argon2 hashes, one role from the vocabulary, clear errors, and the `sdf user` commands."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from socialdata.cli import app
from socialdata.errors import UserError
from socialdata.governance.users import Role, authenticate, create_user, list_users, parse_role, set_password
from socialdata.store import Database
from socialdata.store.models import Organisation, UserAccount

PASSWORD = "correct horse battery"


@pytest.fixture
def trust(db: Database) -> str:
    with db.session() as s:
        s.add(Organisation(id="RZZ", name="Avonford Hospitals", kind="hospital_trust"))
    return "RZZ"


def _accounts(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(UserAccount)) or 0


def test_a_created_user_logs_in_with_the_password_only(db: Database, trust: str) -> None:
    made = create_user(db, "amara", PASSWORD, Role.CLINICIAN, display_name="Dr Amara Okafor", organisation_id=trust)
    with db.session() as s:
        stored = s.scalars(select(UserAccount)).one().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    signed_in = authenticate(db, "amara", PASSWORD)
    assert signed_in == made
    assert signed_in.role is Role.CLINICIAN and signed_in.organisation_id == "RZZ"
    assert authenticate(db, "amara", PASSWORD + "!") is None
    assert authenticate(db, "nobody", PASSWORD) is None


def test_an_inactive_account_cannot_log_in(db: Database, trust: str) -> None:
    create_user(db, "liam", PASSWORD, Role.NURSE, display_name="Liam Hughes", organisation_id=trust)
    with db.session() as s:
        s.scalars(select(UserAccount)).one().active = False
    assert authenticate(db, "liam", PASSWORD) is None


def test_set_password_replaces_the_old_one(db: Database) -> None:
    create_user(db, "jo", PASSWORD, Role.CITIZEN, display_name="Jo Bennett", organisation_id=None)
    set_password(db, "jo", "another long password")
    assert authenticate(db, "jo", PASSWORD) is None
    assert authenticate(db, "jo", "another long password") is not None


@pytest.mark.parametrize(
    ("username", "password", "name", "org", "field"),
    [
        ("amara", PASSWORD, "Dr Amara Okafor", "NOPE", "org"),
        ("Amara Okafor", PASSWORD, "Dr Amara Okafor", "RZZ", "username"),
        ("<script>", PASSWORD, "Dr Amara Okafor", "RZZ", "username"),
        ("amara", "short", "Dr Amara Okafor", "RZZ", "password"),
        ("amara", PASSWORD, "   ", "RZZ", "name"),
    ],
)
def test_a_bad_account_is_refused_with_where_and_nothing_written(
    db: Database, trust: str, username: str, password: str, name: str, org: str, field: str
) -> None:
    with pytest.raises(UserError) as raised:
        create_user(db, username, password, Role.GP, display_name=name, organisation_id=org)
    assert raised.value.where == field
    assert _accounts(db) == 0


def test_a_username_is_taken_once(db: Database, trust: str) -> None:
    create_user(db, "grace", PASSWORD, Role.SOCIAL_WORKER, display_name="Grace Evans", organisation_id=trust)
    with pytest.raises(UserError, match="already exists"):
        create_user(db, "grace", PASSWORD, Role.ADMINISTRATOR, display_name="Someone Else", organisation_id=None)
    assert [u.display_name for u in list_users(db)] == ["Grace Evans"]


def test_roles_are_the_national_vocabulary() -> None:
    assert {r.value for r in Role} == {
        "clinician",
        "nurse",
        "gp",
        "social_worker",
        "administrator",
        "privacy_officer",
        "data_steward",
        "researcher",
        "citizen",
        "board_member",
    }
    assert parse_role(" Data_Steward ") is Role.DATA_STEWARD
    with pytest.raises(UserError, match="researcher"):
        parse_role("superuser")


def _sdf(cli_env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([".venv/bin/sdf", *args], env=cli_env, input=stdin, capture_output=True, text=True)


def test_sdf_user_add_then_list(db: Database, trust: str, cli_env: dict[str, str]) -> None:
    added = _sdf(
        cli_env,
        *("user", "add", "mei", "--role", "researcher", "--name", "Dr Mei Chen", "--org", "RZZ", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    listed = _sdf(cli_env, "user", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [user] = json.loads(listed.stdout)
    assert (user["username"], user["role"], user["organisation"], user["name"]) == (
        "mei",
        "researcher",
        "RZZ",
        "Dr Mei Chen",
    )
    assert "argon2" not in listed.stdout
    assert authenticate(db, "mei", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("--role", "wizard", "--name", "X Y", "--password-stdin"), PASSWORD + "\n", "unknown role 'wizard'"),
        (
            ("--role", "gp", "--name", "X Y", "--org", "ZZZ", "--password-stdin"),
            PASSWORD + "\n",
            "unknown organisation",
        ),
        (("--role", "gp", "--name", "X Y", "--password-stdin"), "", "no password on standard input"),
    ],
)
def test_sdf_user_add_errors_are_one_line_and_write_nothing(
    db: Database, cli_env: dict[str, str], args: tuple[str, ...], stdin: str, says: str
) -> None:
    result = CliRunner().invoke(app, ["user", "add", "newuser", *args], input=stdin, env=cli_env)
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _accounts(db) == 0
