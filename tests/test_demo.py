"""`sdf demo --no-serve` end to end: a small city synthesised, registered, ingested, with a login per role; twice."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from socialdata.api import create_app
from socialdata.cli.demo_commands import ensure_demo_logins
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.users import Role, authenticate, list_users
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, SourcePerson
from socialdata.synth import CityManifest


def _demo(cli_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/sdf", "demo", "--people", "200", "--seed", "3", "--no-serve"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )


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
    assert set(passwords) == {role.value for role in Role}
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

    again = _demo(cli_env)
    assert again.returncode == 0, again.stderr
    assert _counts(db) == (submissions, persons)
    assert json.loads((settings.home / "demo-logins.json").read_text()) == passwords
    assert len(list_users(db)) == len(Role)


def test_demo_logins_file_that_is_not_ours_is_refused_and_nothing_made(settings: Settings, db: Database) -> None:
    (settings.home / "demo-logins.json").write_text("not json {", encoding="utf-8")
    manifest = CityManifest(seed=1, people=10, generated_for=dt.date(2026, 11, 23), organisations=())
    with pytest.raises(UserError, match="delete it to make new ones") as raised:
        ensure_demo_logins(db, settings, manifest)
    assert raised.value.where == str(settings.home / "demo-logins.json")
    assert list_users(db) == []
