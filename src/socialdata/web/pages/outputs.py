"""The airlock's pages: researchers ask for a job's outputs to be released (seeing the automatic checks first) and
follow their requests; output checkers work through the queue, read each file with its check results and vote.
The airlock service decides; these pages show its answers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import AccessDenied, Actor, not_person_level
from socialdata.errors import UserError
from socialdata.outputs.airlock import Airlock, FileToRelease
from socialdata.outputs.checks import read_csv_text
from socialdata.outputs.findings import FileCheck
from socialdata.outputs.request_views import CHECKER_ROLES, RequestView
from socialdata.store import Database
from socialdata.store.models import ReviewDecision
from socialdata.web.app_state import database
from socialdata.web.session import check_csrf, signed_in_actor
from socialdata.web.templating import templates

router = APIRouter(prefix="/outputs")

AGGREGATE = "aggregate outputs under disclosure control; reads of a job's outputs ask the project gate, audited"
PREVIEW_ROWS = 200
_MEDIA = {".csv": "text/csv", ".png": "image/png", ".svg": "image/svg+xml", ".txt": "text/plain", ".md": "text/plain"}


def _safe(name: str) -> str:
    """The file's own name, in characters a header can carry unquoted."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name.rsplit("/", 1)[-1])


def _refused(request: Request, error: UserError, title: str) -> HTMLResponse:
    code = status.HTTP_403_FORBIDDEN if isinstance(error, AccessDenied) else status.HTTP_400_BAD_REQUEST
    return templates.TemplateResponse(request, "pages/error.html", {"title": title, "message": str(error)}, code)


@router.get("", response_class=HTMLResponse, name="outputs_home", response_model=None)
@not_person_level("the signed-in user's output requests (or a checker's queue): titles, states and check results")
def home_page(request: Request, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    airlock = Airlock(db)
    checker = actor.role in CHECKER_ROLES
    views = airlock.queue(actor) if checker else airlock.my_requests(actor)
    return templates.TemplateResponse(request, "outputs/index.html", {"views": views, "checker": checker})


def _form_files(form: Any, names: list[str]) -> list[FileToRelease]:
    chosen = [n for n in names if form.get(f"include:{n}") == "yes"]
    return [FileToRelease(n, str(form.get(f"description:{n}") or "")) for n in chosen]


def _new_page(
    request: Request,
    db: Database,
    actor: Actor,
    job_id: int,
    revise: int | None,
    *,
    form: Any = None,
    checks: list[FileCheck] | None = None,
    error: str | None = None,
) -> Response:
    try:
        names = Airlock(db).job_outputs(actor, job_id)
    except UserError as refusal:
        return _refused(request, refusal, "No such job")
    context = {
        "job_id": job_id,
        "revise": revise,
        "names": names,
        "form": form or {},
        "checks": {c.name: c for c in checks or []},
        "error": error,
        "title_value": (form or {}).get("title", ""),
    }
    code = status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK
    return templates.TemplateResponse(request, "outputs/new.html", context, status_code=code)


@router.get("/new", response_class=HTMLResponse, name="outputs_new", response_model=None)
@not_person_level("the names of the files a job wrote, for a member to choose from: no content is read")
def new_page(
    request: Request, db: Annotated[Database, Depends(database)], job_id: int, revise: int | None = None
) -> Response:
    actor = signed_in_actor(request)
    return _new_page(request, db, actor, job_id, revise)


@router.post("/new", dependencies=[Depends(check_csrf)], name="outputs_new_action", response_model=None)
@not_person_level(AGGREGATE)
async def new_action(request: Request, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    form = await request.form()
    try:
        job_id = int(str(form.get("job_id", "")))
        revise = int(str(form["revise"])) if form.get("revise") else None
    except ValueError:
        return _refused(request, UserError("the form lost its job number", where="job_id"), "Nothing was requested")
    airlock = Airlock(db)
    try:
        files = _form_files(form, airlock.job_outputs(actor, job_id))
        if form.get("action") == "check":
            checks = airlock.preview(actor, job_id, files)
            return _new_page(request, db, actor, job_id, revise, form=form, checks=checks)
        if revise is not None:
            airlock.revise(actor, revise, job_id, files)
            request_id = revise
        else:
            request_id = airlock.request_release(actor, job_id, str(form.get("title") or ""), files)
    except AccessDenied as denied:
        return _refused(request, denied, "Nothing was requested")
    except UserError as error:
        return _new_page(request, db, actor, job_id, revise, form=form, error=str(error))
    return RedirectResponse(f"/outputs/{request_id}", status_code=status.HTTP_303_SEE_OTHER)


def _preview(airlock: Airlock, actor: Actor, view: RequestView) -> dict[int, dict[str, Any]]:
    """What each file shows, for the page: a CSV as a table (first PREVIEW_ROWS rows), text as text; images are
    shown from their own URL."""
    shown: dict[int, dict[str, Any]] = {}
    for f in view.files:
        name, data = airlock.file_content(actor, view.id, f.id)
        if name.lower().endswith(".csv"):
            try:
                frame = read_csv_text(data)
            except ValueError:
                shown[f.id] = {"text": data.decode("utf-8", errors="replace")}
                continue
            rows = frame.head(PREVIEW_ROWS).values.tolist()
            shown[f.id] = {"columns": list(frame.columns), "rows": rows, "more": max(0, len(frame) - PREVIEW_ROWS)}
        elif name.lower().endswith((".txt", ".md")):
            shown[f.id] = {"text": data.decode("utf-8", errors="replace")}
        else:
            shown[f.id] = {"image": True}
    return shown


def _request_page(request: Request, db: Database, request_id: int, error: str | None = None) -> Response:
    actor = signed_in_actor(request)
    airlock = Airlock(db)
    try:
        view = airlock.request_view(actor, request_id)
        preview = _preview(airlock, actor, view)
    except UserError as refusal:
        return _refused(request, refusal, "No such output request")
    context = {
        "v": view,
        "preview": preview,
        "decisions": list(ReviewDecision),
        "error": error,
        "is_member_view": actor.user_id == view.requested_by_id or actor.role not in CHECKER_ROLES,
    }
    code = status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK
    return templates.TemplateResponse(request, "outputs/request.html", context, status_code=code)


@router.get("/{request_id}", response_class=HTMLResponse, name="outputs_request", response_model=None)
@not_person_level(AGGREGATE)
def request_page(request: Request, request_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    return _request_page(request, db, request_id)


@router.post("/{request_id}/review", dependencies=[Depends(check_csrf)], name="outputs_review", response_model=None)
@not_person_level(AGGREGATE)
def review_action(
    request: Request,
    request_id: int,
    db: Annotated[Database, Depends(database)],
    decision: Annotated[str, Form(max_length=16)] = "",
    comments: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    actor = signed_in_actor(request)
    try:
        chosen = ReviewDecision(decision)
    except ValueError:
        return _request_page(request, db, request_id, "choose approve, return or reject")
    try:
        Airlock(db).review(actor, request_id, chosen, comments)
    except UserError as error:
        return _request_page(request, db, request_id, str(error))
    return RedirectResponse(f"/outputs/{request_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/{request_id}/files/{file_id}", name="outputs_file", response_model=None)
@not_person_level(AGGREGATE)
def file_download(
    request: Request, request_id: int, file_id: int, db: Annotated[Database, Depends(database)]
) -> Response:
    actor = signed_in_actor(request)
    try:
        name, data = Airlock(db).file_content(actor, request_id, file_id)
    except UserError as refusal:
        return _refused(request, refusal, "No such file")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    media = _MEDIA.get(suffix, "application/octet-stream")
    inline = suffix in (".png", ".svg")
    headers = {
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{_safe(name)}"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=media, headers=headers)
