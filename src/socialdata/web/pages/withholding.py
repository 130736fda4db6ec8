"""For professionals: the person's view of one item of the record they are caring for — whether it is withheld from
the person (and why), the form to withhold or release it, and the person's correction requests and statements about
it. Reached from the professional's item page; every step through the gate (direct care), audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from socialdata.access import AccessDenied, person_route
from socialdata.citizen import REASON_WORDS, Withholding
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.pages.citizen_common import Answered, answers, item_in_url, page, person_in_url, problem, see_other
from socialdata.web.session import check_csrf, signed_in_actor

router = APIRouter()
Db = Annotated[Database, Depends(database)]
PATH = "/record/{person_id}/items/{item_type}/{item_id}/person-view"


def _denied(request: Request, denied: AccessDenied) -> Response:
    return page(request, "pages/error.html", {"title": "Not available", "message": denied.message}, 403)


@router.get(PATH, name="person_view", response_model=None)
@answers
@person_route
def person_view(
    request: Request, person_id: str, item_type: str, item_id: str, db: Db, saved: str | None = None
) -> Response:
    actor = signed_in_actor(request)
    ref = item_in_url(request, item_type, item_id)
    try:
        found = Withholding(db).item(actor, person_in_url(request, person_id), ref)
    except AccessDenied as denied:
        return _denied(request, denied)
    return page(request, "citizen/person_view.html", {"view": found, "reasons": REASON_WORDS, "saved": saved})


@router.post(PATH, dependencies=[Depends(check_csrf)], name="person_view_change", response_model=None)
@answers
@person_route
def change(
    request: Request,
    person_id: str,
    item_type: str,
    item_id: str,
    db: Db,
    action: Annotated[str, Form(max_length=10)] = "",
    reason_code: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Withhold the item from the person's own view (with a reason) or release it."""
    actor = signed_in_actor(request)
    ref = item_in_url(request, item_type, item_id)
    person = person_in_url(request, person_id)
    back = str(request.url_for("person_view", person_id=person, item_type=item_type, item_id=item_id))
    try:
        if action == "withhold":
            Withholding(db).withhold(actor, person, ref, reason_code, reason)
        elif action == "release":
            Withholding(db).release(actor, person, ref)
        else:
            raise UserError("choose withhold or release", where="action")
    except AccessDenied as denied:
        return _denied(request, denied)
    except UserError as error:
        raise Answered(problem(request, "Nothing was changed", error, back)) from None
    return see_other(f"{back}?saved={action}")
