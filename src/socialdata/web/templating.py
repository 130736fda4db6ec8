"""One Jinja2 environment for every page: autoescaped, with the signed-in user and the CSRF token always at hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from socialdata.web.session import csrf_token, signed_in_user

WEB = Path(__file__).parent
STATIC_DIR = WEB / "static"


def _page_context(request: Request) -> dict[str, Any]:
    # A callable, so a session cookie is only set on pages that carry a form.
    return {"user": signed_in_user(request), "csrf_token": lambda: csrf_token(request)}


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def _count(value: int) -> str:
    return f"{value:,}"


templates = Jinja2Templates(directory=WEB / "templates", context_processors=[_page_context])
templates.env.filters["when"] = _when
templates.env.filters["count"] = _count
