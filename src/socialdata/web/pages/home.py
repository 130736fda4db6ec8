"""The Foundation at a glance (/: aggregates only) and the quarantine list (/quarantine: behind the gate, since the
loader's messages can quote a received value)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse

from socialdata.access import QUARANTINE_DENIED, QUARANTINE_ROLES, AccessDenied, AccessGate, Actor, person_route
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.overview import foundation_overview, quarantine_page
from socialdata.web.session import signed_in_actor
from socialdata.web.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, db: Annotated[Database, Depends(database)]) -> HTMLResponse:
    return templates.TemplateResponse(request, "pages/home.html", {"overview": foundation_overview(db)})


@router.get("/quarantine", response_class=HTMLResponse, name="quarantine", response_model=None)
@person_route
def quarantine(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    org: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    try:
        [listing] = AccessGate(db).oversee(
            actor,
            lambda s: [quarantine_page(s, organisation=org or None, page=page)],
            entity_type="QuarantineList",
            entity_id=org or "all",
            roles=QUARANTINE_ROLES,
            refusal=QUARANTINE_DENIED,
        )
    except AccessDenied as denied:
        return templates.TemplateResponse(
            request,
            "pages/error.html",
            {"title": "You cannot open the quarantine", "message": denied.message},
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return templates.TemplateResponse(request, "pages/quarantine.html", {"listing": listing})
