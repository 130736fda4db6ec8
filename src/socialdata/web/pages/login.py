"""Signing in and out with a username and password; the session cookie then says who is using the pages. Repeated
failures for one username or from one address make the form wait (`login_limits`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.governance.users import authenticate
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.login_limits import login_refused, record_attempt
from socialdata.web.session import check_csrf, sign_in, sign_out
from socialdata.web.templating import templates

router = APIRouter()
BAD_CREDENTIALS = "The username or password is not right. Check them and try again."


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect would help phishing)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse, name="login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "pages/login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", dependencies=[Depends(check_csrf)], response_model=None)
def login(
    request: Request,
    db: Annotated[Database, Depends(database)],
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    address = request.client.host if request.client is not None else "unknown"
    context = {"next": _safe_next(next), "username": username}
    refused = login_refused(db, username, address)
    if refused is not None:  # the password is not even checked
        return templates.TemplateResponse(
            request,
            "pages/login.html",
            {**context, "error": refused.message},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(refused.minutes * 60)},
        )
    user = authenticate(db, username, password) if username and password else None
    record_attempt(db, username, address, succeeded=user is not None)
    if user is None:
        return templates.TemplateResponse(
            request, "pages/login.html", {**context, "error": BAD_CREDENTIALS}, status_code=status.HTTP_401_UNAUTHORIZED
        )
    sign_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout", dependencies=[Depends(check_csrf)], name="logout")
def logout(request: Request) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
