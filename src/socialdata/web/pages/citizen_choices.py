"""The citizen portal's changing pages: my choices (national data opt-out, research contact, objections to a
partner's records being shared) and asking for a correction. The person changed is always the one in the URL, and the
gate allows only that person's own login; a form naming anyone else is refused and audited, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from socialdata.access import AccessDenied, Actor, person_route
from socialdata.citizen import ITEM_REFUSED, CitizenPortal
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.pages.citizen_common import (
    Answered,
    answers,
    item_in_url,
    page,
    person_in_url,
    problem,
    refused,
    see_other,
)
from socialdata.web.session import check_csrf, signed_in_actor

router = APIRouter()
Db = Annotated[Database, Depends(database)]
Choice = Annotated[str, Form(max_length=10)]
CHOICES_TITLE = "Your choice was not saved"
Change = Callable[[CitizenPortal, Actor, str], None]


def _yes(raw: str, where: str) -> bool:
    if raw not in ("yes", "no"):
        raise UserError("choose yes or no", where=where)
    return raw == "yes"


@router.get("/citizen/{person_id}/choices", name="citizen_choices", response_model=None)
@answers
@person_route
def choices(request: Request, person_id: str, db: Db, saved: str | None = None) -> Response:
    actor = signed_in_actor(request)
    try:
        mine = CitizenPortal(db).choices(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    context = {"choices": mine, "person_id": person_id, "section": "choices", "saved": saved == "1"}
    return page(request, "citizen/choices.html", context)


def _change(request: Request, person_id: str, change: str, do: Change) -> Response:
    """Run one change (a callable taking the portal, actor and person id) and go back to the choices page."""
    actor = signed_in_actor(request)
    person = person_in_url(request, person_id)
    back = str(request.url_for("citizen_choices", person_id=person))
    try:
        do(CitizenPortal(database(request)), actor, person)
    except AccessDenied as denied:
        return refused(request, denied)
    except UserError as error:
        raise Answered(problem(request, CHOICES_TITLE, error, back)) from None
    return see_other(f"{back}?saved=1#{change}")


@router.post(
    "/citizen/{person_id}/choices/opt-out",
    dependencies=[Depends(check_csrf)],
    name="citizen_opt_out",
    response_model=None,
)
@answers
@person_route
def opt_out(request: Request, person_id: str, opted_out: Choice = "") -> Response:
    """The national data opt-out: yes keeps the person's data out of research and planning from the next extract."""
    return _change(request, person_id, "opt-out", lambda p, a, pid: p.set_opt_out(a, pid, _yes(opted_out, "opted_out")))


@router.post(
    "/citizen/{person_id}/choices/research-contact",
    dependencies=[Depends(check_csrf)],
    name="citizen_contact",
    response_model=None,
)
@answers
@person_route
def research_contact(request: Request, person_id: str, contact: Choice = "") -> Response:
    return _change(
        request, person_id, "contact", lambda p, a, pid: p.set_research_contact(a, pid, _yes(contact, "contact"))
    )


@router.post(
    "/citizen/{person_id}/choices/objections",
    dependencies=[Depends(check_csrf)],
    name="citizen_object",
    response_model=None,
)
@answers
@person_route
def object_to(
    request: Request,
    person_id: str,
    organisation: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Object to one partner's records being shown outside it: from the next time any other professional opens it."""
    return _change(request, person_id, "objections", lambda p, a, pid: p.object_to(a, pid, organisation, note))


@router.post(
    "/citizen/{person_id}/choices/objections/{objection_id}/withdraw",
    dependencies=[Depends(check_csrf)],
    name="citizen_withdraw_objection",
    response_model=None,
)
@answers
@person_route
def withdraw(request: Request, person_id: str, objection_id: int) -> Response:
    return _change(request, person_id, "objections", lambda p, a, pid: p.withdraw_objection(a, pid, objection_id))


# -- corrections ---------------------------------------------------------------------------------------------------


@router.get("/citizen/{person_id}/items/{item_type}/{item_id}/correct", name="citizen_correct", response_model=None)
@answers
@person_route
def correction_form(
    request: Request, person_id: str, item_type: str, item_id: str, db: Db, sent: str | None = None
) -> Response:
    """One item of the person's record, what they asked about it before, and the form to ask for a correction."""
    actor = signed_in_actor(request)
    ref = item_in_url(request, item_type, item_id)
    try:
        own = CitizenPortal(db).record(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    found = own.find(ref)
    if found is None:
        return refused(request, AccessDenied(ITEM_REFUSED))
    context = {"own": found, "person_id": person_id, "section": "record", "sent": sent == "1"}
    return page(request, "citizen/correct.html", context)


@router.post(
    "/citizen/{person_id}/items/{item_type}/{item_id}/correct",
    dependencies=[Depends(check_csrf)],
    name="citizen_request_correction",
    response_model=None,
)
@answers
@person_route
def request_correction(
    request: Request, person_id: str, item_type: str, item_id: str, db: Db, statement: Annotated[str, Form()] = ""
) -> Response:
    """Send the request to the partner that holds the item; the person sees it, and later the outcome, with the item."""
    actor = signed_in_actor(request)
    ref = item_in_url(request, item_type, item_id)
    person = person_in_url(request, person_id)
    back = str(request.url_for("citizen_correct", person_id=person, item_type=item_type, item_id=item_id))
    try:
        CitizenPortal(db).request_correction(actor, person, ref, statement)
    except AccessDenied as denied:
        return refused(request, denied)
    except UserError as error:
        raise Answered(problem(request, "Your request was not sent", error, back)) from None
    return see_other(f"{back}?sent=1")
