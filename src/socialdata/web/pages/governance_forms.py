"""What every governance page shares: the signed-in account (governance steps need a login, never a citizen's),
reading the dataset/field checkboxes and dates of a form, and showing a refused step as a readable message."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS
from socialdata.governance.permissions import NotPermitted
from socialdata.governance.users import Role
from socialdata.web.session import SessionUser, signed_in_actor, signed_in_user
from socialdata.web.templating import templates

FIELD_LIMIT = 4000
# A row id in a path: a number the database can hold (a larger one is a 422, never a database error).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def governance_user(request: Request) -> SessionUser:
    """The signed-in account (anyone else is sent to log in); citizens have no governance pages."""
    signed_in_actor(request)  # redirects to the login page when nobody is signed in
    user = signed_in_user(request)
    if user is None or user.role == Role.CITIZEN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Governance pages are for the Foundation's staff and partners.")
    return user


def error_status(error: UserError) -> int:
    """403 when the role may not take the step, 400 when the input was wrong."""
    return status.HTTP_403_FORBIDDEN if isinstance(error, NotPermitted) else status.HTTP_400_BAD_REQUEST


def refused(request: Request, error: UserError, title: str) -> HTMLResponse:
    """A refused step as a page of its own, saying what was wrong."""
    return templates.TemplateResponse(
        request, "pages/error.html", {"title": title, "message": str(error)}, status_code=error_status(error)
    )


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise UserError("expected text, not a file", where=name)
    if value is not None and len(value) > FIELD_LIMIT:
        raise UserError(f"keep it under {FIELD_LIMIT} characters", where=name)
    return (value or "").strip()


def date(form: FormData, name: str) -> dt.date:
    value = text(form, name)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{value!r} is not a date (YYYY-MM-DD)", where=name) from None


def whole_number(form: FormData, name: str, default: int = 0) -> int:
    value = text(form, name)
    if not value:
        return default
    if not value.isdigit() or len(value) > 12:
        raise UserError(f"{value!r} is not a whole number", where=name)
    return int(value)


def chosen_fields(form: FormData) -> dict[str, list[str]]:
    """The ticked "dataset.field" boxes, grouped by dataset (unknown ones are refused by the service)."""
    chosen: dict[str, list[str]] = {}
    for value in form.getlist("field"):
        if not isinstance(value, str) or "." not in value:
            raise UserError(f"{value!r} is not a dataset.field", where="field")
        dataset, name = value.split(".", 1)
        chosen.setdefault(dataset, []).append(name)
    return chosen


def dataset_choices() -> list[dict[str, Any]]:
    """The datasets and their fields for a form's checkboxes (the pseudonym is always included, so not offered)."""
    return [
        {"id": d.id, "title": d.title, "fields": [f for f in d.fields if not f.is_pseudonym]} for d in DATASETS.values()
    ]
