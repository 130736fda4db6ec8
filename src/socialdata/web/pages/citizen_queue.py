"""The owning partner's queue of correction requests (/corrections): its staff read each person's request beside the
item and accept or decline it with a reason the person will read. Reads and decisions go through the gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from socialdata.access import AccessDenied, person_route
from socialdata.citizen import CorrectionQueue
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import CorrectionStatus
from socialdata.web.app_state import database
from socialdata.web.pages.citizen_common import Answered, answers, page, problem, see_other
from socialdata.web.session import check_csrf, signed_in_actor

router = APIRouter()
Db = Annotated[Database, Depends(database)]


@router.get("/corrections", name="corrections_queue", response_model=None)
@person_route
def queue(request: Request, db: Db, show: str | None = None, decided: str | None = None) -> Response:
    """Open requests (or all of them) for the signed-in member of staff's organisation."""
    actor = signed_in_actor(request)
    everything = show == "all"
    try:
        requests = CorrectionQueue(db).requests(actor, None if everything else CorrectionStatus.OPEN)
    except AccessDenied as denied:
        return page(request, "pages/error.html", {"title": "You cannot see this queue", "message": denied.message}, 403)
    context = {"requests": requests, "everything": everything, "decided": decided}
    return page(request, "citizen/queue.html", context)


@router.post(
    "/corrections/{request_id}", dependencies=[Depends(check_csrf)], name="corrections_decide", response_model=None
)
@answers
@person_route
def decide(
    request: Request,
    request_id: int,
    db: Db,
    outcome: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Accept or decline one request with a reason; the person sees the outcome on their record."""
    actor = signed_in_actor(request)
    back = str(request.url_for("corrections_queue"))
    try:
        if outcome not in ("accept", "decline"):
            raise UserError("choose accept or decline", where="outcome")
        CorrectionQueue(db).decide(actor, request_id, accept=outcome == "accept", reason=reason)
    except AccessDenied as denied:
        return page(request, "pages/error.html", {"title": "You cannot decide this", "message": denied.message}, 403)
    except UserError as error:
        raise Answered(problem(request, "The decision was not saved", error, back)) from None
    return see_other(f"{back}?decided={request_id}")
