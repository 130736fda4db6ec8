"""Logging in and out: a signed HttpOnly cookie naming a server-side session (so logging out ends it for a replayed
cookie too), one message for any bad credentials, CSRF on every POST form, and a wait after too many failures."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from socialdata.store.models import LoginAttempt, Organisation, UserAccount
from socialdata.web.login_limits import PER_ADDRESS, PER_USERNAME, WINDOW
from socialdata.web.pages.login import BAD_CREDENTIALS

PASSWORD = "a long demo password"


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with db.session() as s:
        s.add(Organisation(id="LA900", name="Avonford City Council", kind="council"))
    create_user(db, "grace", PASSWORD, Role.SOCIAL_WORKER, display_name="Grace <b>Evans</b>", organisation_id="LA900")
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _login(client: TestClient, username: str, password: str, **extra: str) -> httpx.Response:
    return client.post(
        "/login", data={"csrf_token": _token(client), "username": username, "password": password, **extra}
    )


def test_login_signs_in_with_a_private_cookie_and_logout_signs_out(client: TestClient) -> None:
    answer = _login(client, "grace", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "sdf_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    home = client.get("/").text
    assert "Signed in as <strong>Grace &lt;b&gt;Evans&lt;/b&gt;</strong> (Social worker)" in home
    out = client.post("/logout", data={"csrf_token": _token(client, "/")})
    assert out.status_code == 303
    assert "Signed in as" not in client.get("/").text


@pytest.mark.parametrize(("username", "password"), [("grace", "wrong password!"), ("nobody", PASSWORD), ("", "")])
def test_bad_credentials_get_one_message_that_does_not_say_which(
    client: TestClient, username: str, password: str
) -> None:
    answer = _login(client, username, password)
    assert answer.status_code == 401
    page = answer.text
    assert BAD_CREDENTIALS in page
    assert "no such user" not in page.lower() and "unknown" not in page.lower()
    assert "Signed in as" not in client.get("/").text


def test_a_post_without_the_session_token_is_refused(client: TestClient) -> None:
    _token(client)  # the browser has a session, but the forged form does not carry its token
    for data in (
        {"username": "grace", "password": PASSWORD},
        {"username": "grace", "password": PASSWORD, "csrf_token": "forged"},
    ):
        answer = client.post("/login", data=data)
        assert answer.status_code == 403
        assert "This form has expired" in answer.text
    assert "Signed in as" not in client.get("/").text


def test_logout_needs_the_token_too(client: TestClient) -> None:
    _login(client, "grace", PASSWORD)
    assert client.post("/logout", data={}).status_code == 403
    assert "Signed in as" in client.get("/").text


def test_the_token_changes_when_signing_in(client: TestClient) -> None:
    before = _token(client)
    _login(client, "grace", PASSWORD)
    assert _token(client, "/") != before


def test_a_tampered_cookie_is_ignored(client: TestClient) -> None:
    _login(client, "grace", PASSWORD)
    value = client.cookies["sdf_session"]
    client.cookies.set("sdf_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert "Signed in as" not in client.get("/").text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    answer = _login(client, "grace", PASSWORD, next=target)
    assert answer.headers["location"] == "/"


def test_login_returns_to_the_page_asked_for(client: TestClient) -> None:
    assert _login(client, "grace", PASSWORD, next="/quarantine").headers["location"] == "/quarantine"


def test_a_deactivated_account_is_signed_out_on_its_next_request(client: TestClient, db: Database) -> None:
    _login(client, "grace", PASSWORD)
    assert "Signed in as" in client.get("/").text
    with db.session() as s:
        s.scalars(select(UserAccount).where(UserAccount.username == "grace")).one().active = False
    assert "Signed in as" not in client.get("/").text


def test_a_cookie_replayed_after_logout_signs_nobody_in(client: TestClient, settings: Settings) -> None:
    _login(client, "grace", PASSWORD)
    kept = client.cookies["sdf_session"]  # an attacker's copy of the cookie
    with TestClient(create_app(settings), follow_redirects=False, cookies={"sdf_session": kept}) as attacker:
        assert "Signed in as" in attacker.get("/").text  # the copy works while the session lasts
        assert client.post("/logout", data={"csrf_token": _token(client, "/")}).status_code == 303
        assert "Signed in as" not in attacker.get("/").text
        assert attacker.get("/record").headers["location"].startswith("/login")


def test_logging_out_ends_only_that_session(client: TestClient, settings: Settings) -> None:
    _login(client, "grace", PASSWORD)
    with TestClient(create_app(settings), follow_redirects=False) as other_browser:
        _login(other_browser, "grace", PASSWORD)
        client.post("/logout", data={"csrf_token": _token(client, "/")})
        assert "Signed in as" in other_browser.get("/").text
    assert "Signed in as" not in client.get("/").text


def _fail(client: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        assert _login(client, username, "not the password").status_code == 401


def test_too_many_failures_for_a_username_make_it_wait_even_with_the_right_password(client: TestClient) -> None:
    _fail(client, "grace", PER_USERNAME)
    answer = _login(client, "Grace ", PASSWORD)  # the same username, as typed differently
    assert answer.status_code == 429
    assert "Too many attempts, try again in 15 minutes." in answer.text
    assert answer.headers["retry-after"] == str(15 * 60)
    assert "Signed in as" not in client.get("/").text


def _shift_attempts(db: Database, back: dt.timedelta) -> None:
    with db.session() as s:
        for attempt in s.scalars(select(LoginAttempt)):
            attempt.attempted_at -= back


def test_the_wait_ends_when_the_failures_leave_the_window(client: TestClient, db: Database) -> None:
    _fail(client, "grace", PER_USERNAME)
    _shift_attempts(db, WINDOW - dt.timedelta(minutes=2))
    assert "try again in 2 minutes" in _login(client, "grace", PASSWORD).text
    _shift_attempts(db, dt.timedelta(minutes=3))
    assert _login(client, "grace", PASSWORD).status_code == 303


def test_a_successful_login_clears_the_usernames_failures(client: TestClient) -> None:
    _fail(client, "grace", PER_USERNAME - 1)
    assert _login(client, "grace", PASSWORD).status_code == 303
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    _fail(client, "grace", PER_USERNAME - 1)
    assert _login(client, "grace", PASSWORD).status_code == 303


def test_too_many_failures_from_one_address_make_every_username_wait(client: TestClient, db: Database) -> None:
    for n in range(PER_ADDRESS):
        _fail(client, f"guess{n}", 1)
    answer = _login(client, "grace", PASSWORD)
    assert answer.status_code == 429 and "Too many attempts" in answer.text
    with db.session() as s:
        tries = s.scalars(select(LoginAttempt.username)).all()
    assert "grace" not in tries  # a refused try is not counted, and its password was not checked
