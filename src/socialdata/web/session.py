"""What the signed session cookie carries: a random session id, and the token every POST form must send back.

The cookie is signed (not encrypted), so it holds only those two, never person data. The session itself lives on the
server (`WebSession`, only the id's SHA-256): signing out ends it there, so a copy of the cookie replayed afterwards
is treated as signed out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request, status
from sqlalchemy import select, update

from socialdata.access import Actor
from socialdata.governance.users import Role, User
from socialdata.store.models import UserAccount, WebSession
from socialdata.store.types import utcnow
from socialdata.web.app_state import database

CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"
_SESSION_KEY = "sid"
SESSION_ID_LONGEST = 100


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


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session (a new id and CSRF token too), so nothing from before the login carries over."""
    session_id = secrets.token_urlsafe(32)
    with database(request).session() as s:
        s.add(WebSession(id_sha256=_digest(session_id), user_id=user.id, started_at=utcnow()))
    request.session.clear()
    request.session[_SESSION_KEY] = session_id
    request.state.signed_in_user = SessionUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
    )
    csrf_token(request)


def _session_id(request: Request) -> str | None:
    session_id = request.session.get(_SESSION_KEY)
    return session_id if isinstance(session_id, str) and len(session_id) <= SESSION_ID_LONGEST else None


def sign_out(request: Request) -> None:
    """End the session on the server, then forget the cookie: the old cookie, if replayed, signs nobody in."""
    session_id = _session_id(request)
    if session_id is not None:
        with database(request).session() as s:
            s.execute(
                update(WebSession)
                .where(WebSession.id_sha256 == _digest(session_id), WebSession.ended_at.is_(None))
                .values(ended_at=utcnow())
            )
    request.session.clear()
    request.state.signed_in_user = None


def signed_in_user(request: Request) -> SessionUser | None:
    """The account behind this session as the store has it now, if the session has not been ended: signing out,
    deactivating the account or changing its role takes effect on the next request, not when the cookie expires.
    Looked up once per request (one statement)."""
    if hasattr(request.state, "signed_in_user"):
        cached: SessionUser | None = request.state.signed_in_user
        return cached
    found = None
    session_id = _session_id(request)
    if session_id is not None:
        with database(request).session() as s:
            account = s.scalars(
                select(UserAccount)
                .join(WebSession, WebSession.user_id == UserAccount.id)
                .where(WebSession.id_sha256 == _digest(session_id), WebSession.ended_at.is_(None))
            ).one_or_none()
            if account is not None and account.active:
                found = SessionUser(
                    id=account.id,
                    username=account.username,
                    display_name=account.display_name,
                    role=Role(account.role),
                    organisation_id=account.organisation_id,
                )
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
