"""The privacy officer's alert queue: every break glass and self-claimed relationship, to judge as justified or refer.

The gate decides who may see the queue (privacy officers only) and audits each look and each review; these pages only
render its answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import AccessDenied, AccessGate, Actor, AlertStatus, AlertView, person_route
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.session import check_csrf, signed_in_actor
from socialdata.web.templating import templates

router = APIRouter(prefix="/privacy")

OUTCOMES = ((AlertStatus.JUSTIFIED, "Justified"), (AlertStatus.REFERRED, "Refer for investigation"))


def _refused(request: Request, denied: AccessDenied) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "pages/error.html",
        {"title": "You cannot open the alert queue", "message": denied.message},
        status_code=status.HTTP_403_FORBIDDEN,
    )


def _queue_page(
    request: Request,
    views: list[AlertView],
    *,
    reviewed: int | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    waiting = sorted((v for v in views if v.status == AlertStatus.OPEN), key=lambda v: v.alert_id)
    done = [v for v in views if v.status != AlertStatus.OPEN]
    return templates.TemplateResponse(
        request,
        "privacy/alerts.html",
        {"waiting": waiting, "done": done, "outcomes": OUTCOMES, "reviewed": reviewed, "error": error},
        status_code=status_code,
    )


@router.get("/alerts", response_class=HTMLResponse, name="privacy_alerts", response_model=None)
@person_route
def alerts(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    reviewed: int | None = None,
) -> Response:
    try:
        views = AccessGate(db).list_alerts(actor, status=None)
    except AccessDenied as denied:
        return _refused(request, denied)
    return _queue_page(request, views, reviewed=reviewed)


@router.post("/alerts/{alert_id}", dependencies=[Depends(check_csrf)], name="privacy_review", response_model=None)
@person_route
def review(
    request: Request,
    alert_id: int,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    outcome: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    gate = AccessGate(db)
    try:
        gate.review_alert(actor, alert_id, _outcome(outcome), note or None)
    except AccessDenied as denied:
        return _refused(request, denied)
    except UserError as error:
        views = gate.list_alerts(actor, status=None)
        return _queue_page(request, views, error=str(error), status_code=status.HTTP_400_BAD_REQUEST)
    return RedirectResponse(f"/privacy/alerts?reviewed={alert_id}", status_code=status.HTTP_303_SEE_OTHER)


def _outcome(text: str) -> AlertStatus:
    chosen = {value.value: value for value, _label in OUTCOMES}.get(text)
    if chosen is None:
        raise UserError("choose justified or referred", where="outcome")
    return chosen
