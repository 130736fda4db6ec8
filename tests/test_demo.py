"""`sdf demo --no-serve` end to end: a small city synthesised, registered, ingested, with a login per role; twice.

Each care login's printed example opens in the pages on the relationship the feeds give it, the citizen's in their
own record, and the roles with no care relationship are refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from socialdata.access import AccessDenied, Actor, Purpose, RelationshipKind
from socialdata.api import create_app
from socialdata.cli.demo_citizen import OFFICER
from socialdata.cli.demo_commands import DEMO_PEOPLE, ensure_demo_logins
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.users import Role, authenticate, find_user, list_users
from socialdata.record import CareRecord
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, SourcePerson
from socialdata.synth import CityManifest


def _demo(cli_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/sdf", "demo", "--people", "400", "--seed", "3", "--no-serve"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )


EXAMPLE = re.compile(r"^  (\w+): .*?NHS number (999\d{7})\b.*?(?:/record/|person )(P\w+) — (.+)$", re.M)
# What the record page says for each care login's example: the relationship the feeds give it.
BASIS = {
    "clinician": RelationshipKind.OPEN_EPISODE,
    "nurse": RelationshipKind.OPEN_EPISODE,
    "gp": RelationshipKind.REGISTERED_GP,
    "social_worker": RelationshipKind.ALLOCATED_WORKER,
}


def _examples(output: str) -> dict[str, tuple[str, str, str]]:
    """username -> (NHS number, person id, basis) as `sdf demo` printed them."""
    return {user: (nhs, person, basis) for user, nhs, person, basis in EXAMPLE.findall(output)}


def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str) -> None:
    client.cookies.clear()
    form = {"csrf_token": _token(client, "/login"), "username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        submissions = s.scalar(select(func.count()).select_from(FeedSubmission)) or 0
        persons = s.scalar(select(func.count()).select_from(SourcePerson)) or 0
    return submissions, persons


def test_demo_sets_up_a_city_to_look_at_and_a_rerun_reuses_it(
    settings: Settings, db: Database, cli_env: dict[str, str]
) -> None:
    first = _demo(cli_env)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((settings.home / "city" / "manifest.json").read_text())
    passwords = json.loads((settings.home / "demo-logins.json").read_text())
    assert set(passwords) == {person.username for person in DEMO_PEOPLE} | {OFFICER}
    assert {person.role for person in DEMO_PEOPLE} == set(Role)
    for username, password in passwords.items():
        assert username in first.stderr and password in first.stderr
        assert authenticate(db, username, password) is not None
    submissions, persons = _counts(db)
    assert submissions == sum(len(org["files"]) for org in manifest["organisations"])
    assert persons > 0

    with TestClient(create_app(settings)) as client:
        home = client.get("/").text
    for org in manifest["organisations"]:
        assert org["code"] in home and org["name"] in home
    for file_name in (name.rsplit("/", 1)[-1] for org in manifest["organisations"] for name in org["files"][:1]):
        assert file_name in home

    examples = _examples(first.stderr)
    assert set(examples) == {*BASIS, "citizen"}, first.stderr
    again = _demo(cli_env)
    assert again.returncode == 0, again.stderr
    assert _counts(db) == (submissions, persons)
    assert json.loads((settings.home / "demo-logins.json").read_text()) == passwords
    assert len(list_users(db)) == len(passwords)
    assert _examples(again.stderr) == examples


def test_each_demo_login_opens_its_printed_example_and_only_care_roles_open_any(
    settings: Settings, db: Database, cli_env: dict[str, str]
) -> None:
    run = _demo(cli_env)
    assert run.returncode == 0, run.stderr
    passwords = json.loads((settings.home / "demo-logins.json").read_text())
    examples = _examples(run.stderr)
    with TestClient(create_app(settings)) as client:
        for username, kind in BASIS.items():
            nhs_number, person_id, basis = examples[username]
            assert basis.startswith(kind.label)
            _sign_in(client, username, passwords[username])
            found = client.get("/record", params={"nhs_number": nhs_number})
            assert found.status_code == 200 and f"/record/{person_id}" in found.text
            page = client.get(f"/record/{person_id}")
            assert page.status_code == 200, (username, page.text)
            assert kind.label in page.text and nhs_number in page.text.replace(" ", "")
        someone = examples["clinician"][1]
        for username in (Role.RESEARCHER.value, Role.ADMINISTRATOR.value):
            _sign_in(client, username, passwords[username])
            refused = client.get(f"/record/{someone}")
            assert refused.status_code == 403 and "You do not have access to this record" in refused.text

    citizen = find_user(db, "citizen")
    assert citizen is not None
    nhs_number, person_id, basis = examples["citizen"]
    assert basis == RelationshipKind.SELF.label
    own = CareRecord(db).open(Actor.of(citizen), person_id, purpose=Purpose.OWN_RECORD)
    assert own.basis.kind == RelationshipKind.SELF
    assert (own.person_id, own.person.nhs_number) == (person_id, nhs_number)
    for username in (Role.RESEARCHER.value, Role.ADMINISTRATOR.value):
        user = find_user(db, username)
        assert user is not None
        with pytest.raises(AccessDenied):
            CareRecord(db).open(Actor.of(user), person_id)


def test_demo_logins_file_that_is_not_ours_is_refused_and_nothing_made(settings: Settings, db: Database) -> None:
    (settings.home / "demo-logins.json").write_text("not json {", encoding="utf-8")
    manifest = CityManifest(seed=1, people=10, generated_for=dt.date(2026, 11, 23), organisations=())
    with pytest.raises(UserError, match="delete it to make new ones") as raised:
        ensure_demo_logins(db, settings, manifest)
    assert raised.value.where == str(settings.home / "demo-logins.json")
    assert list_users(db) == []
