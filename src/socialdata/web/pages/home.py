"""The Foundation at a glance (/) and the quarantine list (/quarantine): aggregates and failure reasons only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.overview import foundation_overview, quarantine_page
from socialdata.web.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, db: Annotated[Database, Depends(database)]) -> HTMLResponse:
    return templates.TemplateResponse(request, "pages/home.html", {"overview": foundation_overview(db)})


@router.get("/quarantine", response_class=HTMLResponse, name="quarantine")
def quarantine(
    request: Request,
    db: Annotated[Database, Depends(database)],
    org: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    listing = quarantine_page(db, organisation=org or None, page=page)
    return templates.TemplateResponse(request, "pages/quarantine.html", {"listing": listing})
