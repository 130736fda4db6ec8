"""Shared fixtures: a fresh, migrated store per test on every backend (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from socialdata.config import Settings, load_settings
from socialdata.store import Database

POSTGRES_URL = os.environ.get("SDF_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def _admin_url() -> str:
    assert POSTGRES_URL
    return load_settings({"SDF_DATABASE_URL": POSTGRES_URL, "SDF_HOME": "/tmp"}).database_url


def _pg_execute(sql: str) -> None:
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session, copied for each test (migrations run once, not per test)."""
    home = tmp_path_factory.mktemp("sqlite-template")
    db = Database(load_settings({"SDF_HOME": str(home)}))
    db.upgrade()
    db.dispose()
    return home / "socialdata.db"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as the TEMPLATE for each test's own database."""
    name = f"sdf_tmpl_{uuid.uuid4().hex[:10]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    db = Database(Settings(home=Path("/tmp"), database_url=url))
    db.upgrade()
    db.dispose()
    yield name
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for a fresh, migrated, empty store on the requested backend; SDF_HOME is a per-test folder."""
    home = tmp_path / "sdf-home"
    home.mkdir()
    if backend == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), home / "socialdata.db")
        yield Settings(home=home, database_url=f"sqlite:///{home / 'socialdata.db'}")
        return
    template = request.getfixturevalue("postgres_template")
    name = f"sdf_test_{uuid.uuid4().hex[:12]}"
    _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    yield Settings(home=home, database_url=url)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running `sdf` as a subprocess against the test's store."""
    env = dict(os.environ)
    env["SDF_HOME"] = str(settings.home)
    env["SDF_DATABASE_URL"] = settings.database_url
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh page in Debian's Chromium, driven by Playwright (a browser download fails on these machines)."""
    from playwright.sync_api import sync_playwright

    from served_app import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()
