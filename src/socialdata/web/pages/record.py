"""The professionals' shared care record pages: find a person, open their record (summary, timeline with filters and
provenance, the basis of access), one item by id, break glass, claim a relationship, add a note or care-plan entry.
The alerts those raise wait in the privacy officer's queue (`pages/privacy.py`).

Every route asks the gate through `CareRecord`/`AccessGate`. Answers given before any person data is touched — the
sign-in redirect (`signed_in_actor`, an HTTP exception), a form sent back with what is wrong (raised as `_Answer` and
served by `_answers`) — pass outside the route guard; any other return without a gate decision still fails the guard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import CARE_ROLES, AccessDenied, AccessGate, Actor, person_route
from socialdata.errors import UserError
from socialdata.record import KIND_LABELS, CareRecord, TimelineFilter, parse_item_ref, parse_kind, parse_person_id
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.session import check_csrf, signed_in_actor
from socialdata.web.templating import templates

router = APIRouter()
F = TypeVar("F", bound=Callable[..., Any])
Db = Annotated[Database, Depends(database)]
Short = Annotated[str | None, Query(max_length=100)]


class _Answer(Exception):
    """A page served without reading any person's data (a redirect to sign in, a form with its error)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered before the gate")
        self.response = response


def _answers(endpoint: F) -> F:
    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except _Answer as answer:
            return answer.response

    return wrapper  # type: ignore[return-value]


def _person(request: Request, person_id: str) -> str:
    try:
        return parse_person_id(person_id)
    except UserError as error:
        context = {"title": "No such record", "message": str(error)}
        raise _Answer(_page(request, "pages/error.html", context, status.HTTP_404_NOT_FOUND)) from None


def _page(request: Request, template: str, context: dict[str, Any], code: int = status.HTTP_200_OK) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=code)


def _form_error(request: Request, template: str, context: dict[str, Any], error: UserError) -> _Answer:
    return _Answer(_page(request, template, {**context, "error": error}, status.HTTP_400_BAD_REQUEST))


def _denied(request: Request, person_id: str, denied: AccessDenied, **extra: Any) -> HTMLResponse:
    context = {"person_id": person_id, "message": denied.message, **extra}
    return _page(request, "record/denied.html", context, status.HTTP_403_FORBIDDEN)


# -- finding a person ----------------------------------------------------------------------------------------------


@router.get("/record", response_class=HTMLResponse, name="record_search", response_model=None)
@_answers
@person_route
def search(
    request: Request,
    db: Db,
    nhs_number: Short = None,
    family_name: Short = None,
    given_name: Short = None,
    birth_date: Short = None,
) -> Response:
    """The search form; with a query, the people it matches (the search is audited with who was found)."""
    actor = signed_in_actor(request)
    typed = {"nhs_number": nhs_number, "family_name": family_name, "given_name": given_name, "birth_date": birth_date}
    context: dict[str, Any] = {"query": typed, "matches": None}
    if not any(typed.values()):
        raise _Answer(_page(request, "record/search.html", context))
    try:
        matches = CareRecord(db).find(actor, **typed)
    except AccessDenied as denied:
        return _page(request, "record/search.html", {**context, "refused": denied.message}, status.HTTP_403_FORBIDDEN)
    except UserError as error:
        raise _form_error(request, "record/search.html", context, error) from None
    return _page(request, "record/search.html", {**context, "matches": matches})


# -- the record ----------------------------------------------------------------------------------------------------


@router.get("/record/{person_id}", response_class=HTMLResponse, name="record", response_model=None)
@_answers
@person_route
def record_page(
    request: Request,
    person_id: str,
    db: Db,
    date_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    org: Short = None,
    kind: Annotated[str | None, Query(alias="type", max_length=40)] = None,
    added: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Summary, timeline (filtered) with provenance, how many items were withheld, and why access is allowed."""
    actor = signed_in_actor(request)
    person_id = _person(request, person_id)
    try:
        chosen = TimelineFilter.parse(date_from=date_from, date_to=date_to, organisation=org, kind=kind)
    except UserError as error:
        chosen = TimelineFilter()
        filter_error: UserError | None = error
    else:
        filter_error = None
    try:
        view = CareRecord(db).open(actor, person_id, chosen)
    except AccessDenied as denied:
        return _denied(request, person_id, denied, care_role=actor.role in CARE_ROLES)
    context = {
        "view": view,
        "filter_error": filter_error,
        "typed": {"from": date_from or "", "to": date_to or "", "org": org or "", "type": kind or ""},
        "kind_labels": KIND_LABELS,
        "added": added,
    }
    return _page(request, "record/record.html", context)


@router.get(
    "/record/{person_id}/items/{item_type}/{item_id}",
    response_class=HTMLResponse,
    name="record_item",
    response_model=None,
)
@_answers
@person_route
def item_page(request: Request, person_id: str, item_type: str, item_id: str, db: Db) -> Response:
    """One item asked for by id, with its provenance; refused alike when absent, another person's, or withheld."""
    actor = signed_in_actor(request)
    person_id = _person(request, person_id)
    try:
        ref = parse_item_ref(item_type, item_id)
    except UserError as error:
        raise _Answer(
            _page(request, "pages/error.html", {"title": "No such item", "message": str(error)}, 404)
        ) from None
    try:
        item = CareRecord(db).item(actor, person_id, ref)
    except AccessDenied as denied:
        return _denied(request, person_id, denied, care_role=False)
    return _page(request, "record/item.html", {"person_id": person_id, "item": item, "kind_labels": KIND_LABELS})


# -- access on the professional's word -----------------------------------------------------------------------------


def _grant(
    request: Request,
    person_id: str,
    reason: str,
    take: Callable[[AccessGate, Actor], object],
    what: str,
) -> Response:
    actor = signed_in_actor(request)
    person_id = _person(request, person_id)
    try:
        if "\x00" in reason:
            raise UserError("the reason contains a NUL character, which cannot be stored", where="reason")
        take(AccessGate(database(request)), actor)
    except AccessDenied as denied:
        return _denied(request, person_id, denied, care_role=actor.role in CARE_ROLES)
    except UserError as error:
        context = {"person_id": person_id, "message": "", "care_role": True, "reason": reason, "failed": what}
        raise _form_error(request, "record/denied.html", context, error) from None
    return RedirectResponse(str(request.url_for("record", person_id=person_id)), status_code=status.HTTP_303_SEE_OTHER)


Reason = Annotated[str, Form(max_length=2000)]


@router.post(
    "/record/{person_id}/break-glass", dependencies=[Depends(check_csrf)], name="break_glass", response_model=None
)
@_answers
@person_route
def break_glass(request: Request, person_id: str, reason: Reason = "") -> Response:
    """Emergency access: a stated reason, four hours, an alert to the privacy officer."""
    return _grant(request, person_id, reason, lambda gate, actor: gate.break_glass(actor, person_id, reason), "glass")


@router.post("/record/{person_id}/claim", dependencies=[Depends(check_csrf)], name="claim", response_model=None)
@_answers
@person_route
def claim(request: Request, person_id: str, reason: Reason = "") -> Response:
    """ "I am caring for this person": access for a limited time, reviewed by the privacy officer."""
    return _grant(
        request, person_id, reason, lambda gate, actor: gate.claim_relationship(actor, person_id, reason), "claim"
    )


# -- adding to the record ------------------------------------------------------------------------------------------


@router.post("/record/{person_id}/entries", dependencies=[Depends(check_csrf)], name="add_entry", response_model=None)
@_answers
@person_route
def add_entry(
    request: Request,
    person_id: str,
    db: Db,
    kind: Annotated[str, Form(max_length=20)] = "note",
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """A note or care-plan entry, stored verbatim with its author, then back to the record."""
    actor = signed_in_actor(request)
    person_id = _person(request, person_id)
    try:
        entry_kind = parse_kind(kind)
        entry_id = CareRecord(db).add_entry(actor, person_id, entry_kind, text)
    except AccessDenied as denied:
        return _denied(request, person_id, denied, care_role=actor.role in CARE_ROLES)
    except UserError as error:
        context = {"title": "The entry was not added", "message": f"{error}. Go back and try again."}
        raise _Answer(_page(request, "pages/error.html", context, status.HTTP_400_BAD_REQUEST)) from None
    target = request.url_for("record", person_id=person_id).include_query_params(added=str(entry_id))
    return RedirectResponse(f"{target.path}?{target.query}", status_code=status.HTTP_303_SEE_OTHER)
