"""What the citizen portal's pages share: serving a template, the refusal page (the same words whether the record
asked for is someone else's or no one's), and parsing ids from a URL before they reach the gate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import AccessDenied, ItemRef
from socialdata.citizen import ITEM_REFUSED
from socialdata.errors import UserError
from socialdata.record import parse_item_ref, parse_person_id
from socialdata.web.templating import templates

F = TypeVar("F", bound=Callable[..., Any])
NOT_YOURS = "You can only see and change your own record. This attempt has been recorded."


class Answered(Exception):
    """A page served before any person's data is read (a bad id in the URL): passes outside the route guard."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered before the gate")
        self.response = response


def answers(endpoint: F) -> F:
    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except Answered as answer:
            return answer.response

    return wrapper  # type: ignore[return-value]


def page(request: Request, template: str, context: dict[str, Any], code: int = status.HTTP_200_OK) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=code)


def refused(request: Request, denied: AccessDenied) -> HTMLResponse:
    """403 with the same page whether the id is another person's, unknown, or an item not shown to this login."""
    message = denied.message if denied.message == ITEM_REFUSED else NOT_YOURS
    return page(request, "citizen/denied.html", {"message": message}, status.HTTP_403_FORBIDDEN)


def problem(request: Request, title: str, error: UserError, back: str) -> HTMLResponse:
    """A mistake in what the person sent, said in plain words, with the way back; nothing was changed."""
    context = {"title": title, "error": error, "back": back}
    return page(request, "citizen/problem.html", context, status.HTTP_400_BAD_REQUEST)


def person_in_url(request: Request, raw: str) -> str:
    try:
        return parse_person_id(raw)
    except UserError:
        raise Answered(refused(request, AccessDenied())) from None


def item_in_url(request: Request, item_type: str, item_id: str) -> ItemRef:
    try:
        return parse_item_ref(item_type, item_id)
    except UserError:
        raise Answered(refused(request, AccessDenied(ITEM_REFUSED))) from None


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
