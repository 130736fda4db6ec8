"""The secure data environment's pages for researchers: their projects, building a project's extract, submitting a
job (a dataset definition and an analysis script), and a job's state, log and outputs with the way to ask for their
release. The services decide (through the gate); these pages show."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from socialdata.access import AccessDenied, not_person_level, person_route
from socialdata.errors import UserError
from socialdata.sde.extracts import build_extract
from socialdata.sde.jobs import (
    LARGEST_UPLOAD,
    cancel_job,
    job_log,
    job_view,
    output_files,
    project_jobs,
    start_job,
    submit_job,
)
from socialdata.sde.overview import member_project, member_projects
from socialdata.sde.paths import EXAMPLES
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.session import check_csrf, signed_in_actor
from socialdata.web.templating import templates

router = APIRouter(prefix="/sde")
LOG_SHOWN = 256 * 1024  # the end of a long log on the page (its opening, the isolation in force, is always shown)


def _refused(request: Request, error: UserError, title: str) -> HTMLResponse:
    code = status.HTTP_403_FORBIDDEN if isinstance(error, AccessDenied) else status.HTTP_400_BAD_REQUEST
    return templates.TemplateResponse(request, "pages/error.html", {"title": title, "message": str(error)}, code)


@router.get("", response_class=HTMLResponse, name="sde_projects", response_model=None)
@not_person_level("the signed-in member's projects with their extract's size and job counts: no person")
def projects_page(request: Request, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    return templates.TemplateResponse(request, "sde/projects.html", {"projects": member_projects(db, actor)})


def _project_page(request: Request, db: Database, project_id: int, error: UserError | None = None) -> Response:
    actor = signed_in_actor(request)
    try:
        project = member_project(db, actor, project_id)
    except UserError as refusal:
        return _refused(request, refusal, "No such project")
    context: dict[str, Any] = {
        "p": project,
        "jobs": project_jobs(db, actor, project_id),
        "error": str(error) if error else None,
        "largest_kib": LARGEST_UPLOAD // 1024,
        "example_definition": (EXAMPLES / "definition.py").read_text(),
        "example_script": (EXAMPLES / "analysis.py").read_text(),
    }
    code = status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK
    return templates.TemplateResponse(request, "sde/project.html", context, status_code=code)


@router.get("/projects/{project_id}", response_class=HTMLResponse, name="sde_project", response_model=None)
@not_person_level("a project's extract summary (counts) and its jobs' states: no person")
def project_page(request: Request, project_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    return _project_page(request, db, project_id)


@router.post(
    "/projects/{project_id}/extract", dependencies=[Depends(check_csrf)], name="sde_build_extract", response_model=None
)
@person_route
def build_extract_action(request: Request, project_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    try:
        build_extract(db, actor, project_id)
    except AccessDenied as denied:
        return _refused(request, denied, "The extract was not built")
    except UserError as error:
        return _project_page(request, db, project_id, error)
    return RedirectResponse(f"/sde/projects/{project_id}#extract", status_code=status.HTTP_303_SEE_OTHER)


async def _source(value: str | UploadFile | None, pasted: str | UploadFile | None) -> str:
    """An uploaded file's text, else the pasted text; the service refuses what is empty, too large or binary."""
    if isinstance(value, UploadFile) and value.filename:
        raw = await value.read(LARGEST_UPLOAD + 1)
        return raw.decode("utf-8", errors="replace")
    return pasted if isinstance(pasted, str) else ""


@router.post(
    "/projects/{project_id}/jobs", dependencies=[Depends(check_csrf)], name="sde_submit_job", response_model=None
)
@person_route
async def submit_job_action(request: Request, project_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    form = await request.form()
    definition = await _source(form.get("definition_file"), form.get("definition"))
    script = await _source(form.get("script_file"), form.get("script"))
    try:
        job_id = submit_job(db, actor, project_id, definition, script)
    except AccessDenied as denied:
        return _refused(request, denied, "The job was not submitted")
    except UserError as error:
        return _project_page(request, db, project_id, error)
    start_job(db, job_id)
    return RedirectResponse(f"/sde/jobs/{job_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/jobs/{job_id}", response_class=HTMLResponse, name="sde_job", response_model=None)
@person_route
def job_page(request: Request, job_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    try:
        log = job_log(db, actor, job_id, tail_bytes=LOG_SHOWN)
    except UserError as error:
        return _refused(request, error, "No such job")
    view = job_view(db, job_id)
    context = {"job": view, "log": log, "outputs": output_files(db.settings, job_id)}
    return templates.TemplateResponse(request, "sde/job.html", context)


@router.post("/jobs/{job_id}/cancel", dependencies=[Depends(check_csrf)], name="sde_cancel_job", response_model=None)
@person_route
def cancel_job_action(request: Request, job_id: int, db: Annotated[Database, Depends(database)]) -> Response:
    actor = signed_in_actor(request)
    try:
        cancel_job(db, actor, job_id)
    except UserError as error:
        return _refused(request, error, "The job was not cancelled")
    return RedirectResponse(f"/sde/jobs/{job_id}", status_code=status.HTTP_303_SEE_OTHER)
