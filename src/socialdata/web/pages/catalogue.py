"""The public data catalogue pages: every dataset, ranked search over them (/catalogue?q=), and one dataset with its
HDR UK description, its columns and quality figures measured from the store.

No login: the pages hold metadata and aggregate counts and rates, never a person's row.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse

from socialdata.access import not_person_level
from socialdata.catalogue import ACCESS, PUBLISHER, SearchHit, measured_entry, search_catalogue
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.templating import templates

router = APIRouter(prefix="/catalogue")


def percent(share: float | None) -> str:
    """A rate as a person reads it; a dash where there is nothing to divide."""
    return "—" if share is None else f"{share:.1%}"


def days(span: dt.timedelta | None) -> str:
    if span is None:
        return "—"
    value = span.total_seconds() / 86400
    return "< 1 day" if value < 1 else f"{value:,.0f} day{'' if round(value) == 1 else 's'}"


@router.get("", response_class=HTMLResponse, name="catalogue")
@not_person_level("dataset descriptions and a search over them: metadata only, no person")
def catalogue(request: Request, q: str = "") -> HTMLResponse:
    error: UserError | None = None
    hits: tuple[SearchHit, ...] = ()
    try:
        hits = search_catalogue(q)
    except UserError as exc:
        error = exc
    return templates.TemplateResponse(
        request,
        "catalogue/index.html",
        {"query": q, "searched": bool(q.strip()) and error is None, "hits": hits, "error": error},
        status_code=status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK,
    )


@router.get("/{dataset_id}", response_class=HTMLResponse, name="catalogue_dataset")
@not_person_level("one dataset's description and quality figures: counts and rates over all its rows, no person")
def dataset(request: Request, dataset_id: str, db: Annotated[Database, Depends(database)]) -> HTMLResponse:
    try:
        measured = measured_entry(db, dataset_id)
    except UserError as exc:
        return templates.TemplateResponse(
            request,
            "pages/error.html",
            {"title": "Dataset not found", "message": exc.message},
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return templates.TemplateResponse(
        request,
        "catalogue/dataset.html",
        {
            "entry": measured.entry,
            "quality": measured.quality,
            "publisher": PUBLISHER,
            "access": ACCESS,
            "percent": percent,
            "days": days,
        },
    )
