"""What the signed session cookie carries: who is signed in, and the token every POST form must send back.

The cookie is signed (not encrypted), so it holds only the account's id and the token, never person data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request, status

from socialdata.access import Actor
from socialdata.governance.users import Role, User, active_user
from socialdata.web.app_state import database

CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"
_USER_KEY = "user"


@dataclass(frozen=True)
class SessionUser:
    id: int
    username: str
    display_name: str
    role: Role
    organisation_id: str | None


class CsrfRejected(Exception):
    """A POST arrived without the token of this browser's session: a forged or expired form."""


def csrf_token(request: Request) -> str:
    """This session's token, made on first use; forms carry it in a hidden field."""
    token = request.session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """FastAPI dependency for every POST route that changes something."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(_CSRF_KEY)
    if not isinstance(sent, str) or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise CsrfRejected


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session (a new CSRF token too), so nothing from before the login carries over."""
    request.session.clear()
    request.session[_USER_KEY] = user.id
    request.state.signed_in_user = _session_user(user)
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.signed_in_user = None


def _session_user(user: User) -> SessionUser:
    return SessionUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
    )


def signed_in_user(request: Request) -> SessionUser | None:
    """The account behind this session as the store has it now: deactivating it or changing its role takes effect on
    the next request, not when the cookie expires. Looked up once per request."""
    if hasattr(request.state, "signed_in_user"):
        cached: SessionUser | None = request.state.signed_in_user
        return cached
    user_id = request.session.get(_USER_KEY)
    user = active_user(database(request), user_id) if isinstance(user_id, int) else None
    found = _session_user(user) if user is not None else None
    request.state.signed_in_user = found
    return found


def signed_in_actor(request: Request) -> Actor:
    """The signed-in user as the gate's actor; anyone else is sent to log in first and brought back to this page,
    query included (before any gate decision, so the route guard lets the redirect through)."""
    user = signed_in_user(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": f"/login?next={quote(here, safe='/')}"})
    return Actor.of(user)
