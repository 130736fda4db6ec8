"""The system planner's dashboard (/operations): beds, escalation, care-home vacancies, supplies and delayed
discharges across partners, from the nodes' signed aggregate answers; it refreshes itself every few seconds.

Nothing here is about a person: nodes send counts, and counts below their minimum never leave them.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from socialdata.access import Actor, not_person_level
from socialdata.errors import UserError
from socialdata.governance.users import Role
from socialdata.operations import Breakdown, Hub, Measure, build_dashboard, combine, registered_nodes
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.session import signed_in_actor
from socialdata.web.templating import templates

router = APIRouter(prefix="/operations")

REFRESH_SECONDS = 10
"""How often an open dashboard asks for fresh figures (and, at most, how often the hub asks the nodes)."""
PLOTLY_JS = files("plotly") / "package_data" / "plotly.min.js"
Choice = TypeVar("Choice", Measure, Breakdown)
_AGGREGATES = "aggregate operational figures from the partners' nodes; no person-level data"


def _hub(request: Request) -> Hub:
    """The app's one hub, made on first use: it keeps each node's last good answer between refreshes."""
    hub = getattr(request.app.state, "operations_hub", None)
    if not isinstance(hub, Hub):
        hub = Hub()
        request.app.state.operations_hub = hub
    return hub


def _refused(request: Request, actor: Actor) -> HTMLResponse | None:
    if actor.role is not Role.CITIZEN:
        return None
    return templates.TemplateResponse(
        request,
        "pages/error.html",
        {
            "title": "This page is for staff of the partners",
            "message": "The operational picture is for the people who run services.",
        },
        status_code=status.HTTP_403_FORBIDDEN,
    )


async def _current(request: Request, db: Database) -> dict[str, Any]:
    hub = _hub(request)
    await hub.refresh_at_most_every(REFRESH_SECONDS / 2, await run_in_threadpool(registered_nodes, db))
    return {"dashboard": build_dashboard(hub), "refresh_seconds": REFRESH_SECONDS}


@router.get("", response_class=HTMLResponse, name="operations", response_model=None)
@not_person_level(_AGGREGATES)
async def dashboard(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
) -> Response:
    refused = _refused(request, actor)
    if refused is not None:
        return refused
    return templates.TemplateResponse(request, "operations/dashboard.html", await _current(request, db))


@router.get("/data", name="operations_data", response_model=None)
@not_person_level(_AGGREGATES)
async def data(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
) -> Response:
    """The refreshed panel as HTML (the same template the page uses) and the charts' series."""
    if actor.role is Role.CITIZEN:
        return JSONResponse({"error": "for staff of the partners"}, status_code=status.HTTP_403_FORBIDDEN)
    context = await _current(request, db)
    panel = templates.get_template("operations/panel.html").render({**context, "request": request})
    board = context["dashboard"]
    return JSONResponse(
        {"html": panel, "charts": board.charts, "generated_at": board.generated_at.isoformat()},
        headers={"Cache-Control": "no-store"},
    )


def _choice(kind: type[Choice], value: str, field: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise UserError(f"not one of the counts the nodes answer ({choices})", where=field) from None


@router.get("/count", response_class=HTMLResponse, name="operations_count", response_model=None)
@not_person_level("a count summed from the nodes' cells, each suppressed at its node below the minimum cell count")
async def count(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    measure: Annotated[str, Query(max_length=64)] = Measure.DELAYED_DISCHARGES.value,
    by: Annotated[str, Query(max_length=64)] = Breakdown.NONE.value,
) -> Response:
    refused = _refused(request, actor)
    if refused is not None:
        return refused
    try:
        asked = _choice(Measure, measure, "measure")
        breakdown = _choice(Breakdown, by, "by")
    except UserError as error:
        return templates.TemplateResponse(
            request,
            "pages/error.html",
            {"title": "There is no such count", "message": str(error)},
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    nodes = await run_in_threadpool(registered_nodes, db)
    result = combine(asked, breakdown, await _hub(request).count(nodes, asked, breakdown))
    return templates.TemplateResponse(
        request,
        "operations/count.html",
        {"result": result, "measures": list(Measure), "breakdowns": list(Breakdown)},
    )


@router.get("/plotly.min.js", name="operations_plotly")
@not_person_level("the charting library's own script, served from its installed package (no CDN)")
def plotly_js() -> FileResponse:
    return FileResponse(str(PLOTLY_JS), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})
