"""Project pages (Five Safes applications): a researcher starts one from the purpose's template, fills in the
application and names the analysts, and submits it; a data steward reviews it against the five safes; a board member
approves it; a steward opens access; the lead or a steward closes it. The services decide; these pages show."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import not_person_level
from socialdata.errors import UserError
from socialdata.governance.agreement_terms import PURPOSES
from socialdata.governance.agreements import Agreements
from socialdata.governance.project_templates import TEMPLATES
from socialdata.governance.projects import COARSENINGS, Application, Projects, ProjectView
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.pages.governance_forms import (
    RowId,
    chosen_fields,
    dataset_choices,
    error_status,
    governance_user,
    refused,
    text,
    whole_number,
)
from socialdata.web.session import SessionUser, check_csrf
from socialdata.web.templating import templates

router = APIRouter(prefix="/governance/projects")

# The step buttons each role sees at each stage (the service checks again).
STEPS: dict[str, tuple[tuple[str, str, frozenset[Role]], ...]] = {
    "application": (
        ("review", "Record review and send to the board", frozenset({Role.DATA_STEWARD})),
        ("reject", "Reject", frozenset({Role.DATA_STEWARD})),
    ),
    "review": (
        ("approve", "Approve for the partnership board", frozenset({Role.BOARD_MEMBER})),
        ("reject", "Reject", frozenset({Role.BOARD_MEMBER, Role.DATA_STEWARD})),
    ),
    "approved": (
        ("access", "Open access in the secure data environment", frozenset({Role.DATA_STEWARD})),
        ("close", "Close the project", frozenset({Role.DATA_STEWARD, Role.RESEARCHER})),
    ),
    "access": (("close", "Close the project", frozenset({Role.DATA_STEWARD, Role.RESEARCHER})),),
}
NEEDS_NOTE = frozenset({"review", "reject", "close"})


@router.get("/new", response_class=HTMLResponse, name="project_new", response_model=None)
@not_person_level("the form that starts an enquiry")
def project_new(
    request: Request,
    user: Annotated[SessionUser, Depends(governance_user)],
    purpose: Annotated[str, Query(max_length=32)] = "research",
) -> Response:
    template = TEMPLATES.get(purpose)
    if template is None:
        return refused(request, UserError(f"no application template for {purpose!r}", where="purpose"), "No such form")
    return templates.TemplateResponse(request, "governance/project_new.html", {"template": template})


@router.post("", dependencies=[Depends(check_csrf)], name="project_start", response_model=None)
@not_person_level("starts an enquiry: a title and a purpose")
async def project_start(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    try:
        project = Projects(db).start(user, text(form, "title"), text(form, "purpose"))
    except UserError as error:
        return refused(request, error, "The project was not started")
    return RedirectResponse(f"/governance/projects/{project.id}", status_code=status.HTTP_303_SEE_OTHER)


def _project_page(
    request: Request,
    db: Database,
    user: SessionUser,
    project: ProjectView,
    error: UserError | None = None,
    draft: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The project; `draft` is what the lead had typed when a save was refused, so nothing typed is lost."""
    projects = Projects(db)
    is_lead = project.lead_user_id == user.id
    steps = [
        (step, label)
        for step, label, roles in STEPS.get(project.stage, ())
        if user.role in roles and (user.role != Role.RESEARCHER or is_lead)
    ]
    context: dict[str, Any] = {
        "p": project,
        "template": TEMPLATES[project.purpose],
        "checks": projects.checklist(project.id),
        "editing": is_lead and project.stage == "enquiry",
        "steps": steps,
        "needs_note": NEEDS_NOTE,
        "purposes": PURPOSES,
        "datasets": dataset_choices(),
        "agreements": Agreements(db).in_force(project.purpose),
        "coarsenings": COARSENINGS,
        "chosen": {f"{d}.{n}" for d, names in project.datasets.items() for n in names},
        "draft": draft or {},
        "error": str(error) if error else None,
    }
    code = error_status(error) if error else status.HTTP_200_OK
    return templates.TemplateResponse(request, "governance/project.html", context, status_code=code)


def _visible(db: Database, user: SessionUser, project_id: int) -> ProjectView:
    """The project, if this account may see it (researchers: only their own)."""
    for project in Projects(db).visible_to(user):
        if project.id == project_id:
            return project
    raise UserError(f"there is no project {project_id} you can see", where="project")


@router.get("/{project_id}", response_class=HTMLResponse, name="project", response_model=None)
@not_person_level("one project's application and stages: governance, no person")
def project_page(
    request: Request,
    project_id: RowId,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    try:
        project = _visible(db, user, project_id)
    except UserError as error:
        return refused(request, error, "No such project")
    return _project_page(request, db, user, project)


def _application(form: Any) -> Application:
    agreement = text(form, "agreement_id")
    if agreement and (not agreement.isdigit() or len(agreement) > 18):
        raise UserError("choose an agreement from the list", where="agreement_id")
    datasets = chosen_fields(form)
    return Application(
        title=text(form, "title"),
        lay_summary=text(form, "lay_summary"),
        public_benefit=text(form, "public_benefit"),
        datasets=datasets,
        field_justifications={f"{d}.{n}": text(form, f"why:{d}.{n}") for d, names in datasets.items() for n in names},
        agreement_id=int(agreement) if agreement else None,
        apply_national_opt_out=form.get("apply_national_opt_out") == "yes",
        opt_out_exemption=text(form, "opt_out_exemption") or None,
        date_coarsening=text(form, "date_coarsening") or "none",
        min_cell_count=whole_number(form, "min_cell_count", 10),
    )


@router.post("/{project_id}/{step}", dependencies=[Depends(check_csrf)], name="project_step", response_model=None)
@not_person_level("one step of a project's application or lifecycle, audited as a governance action")
async def project_step(
    request: Request,
    project_id: RowId,
    step: str,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    projects = Projects(db)
    try:
        note = text(form, "note")
        if step == "application":
            projects.save_application(user, project_id, _application(form))
        elif step == "members":
            projects.add_member(user, project_id, text(form, "username"))
        elif step == "submit":
            projects.submit(user, project_id)
        elif step == "review":
            projects.review(user, project_id, note)
        elif step == "approve":
            projects.approve(user, project_id)
        elif step == "access":
            projects.open_access(user, project_id)
        elif step == "close":
            projects.close(user, project_id, note)
        elif step == "reject":
            projects.reject(user, project_id, note)
        else:
            raise UserError(f"there is no step {step!r}", where="step")
    except UserError as error:
        try:
            typed: dict[str, Any] | None = None
            if step == "application":
                typed = {k: v for k, v in form.multi_items() if isinstance(v, str)}
                typed["fields"] = [v for v in form.getlist("field") if isinstance(v, str)]
            return _project_page(request, db, user, _visible(db, user, project_id), error, typed)
        except UserError:
            return refused(request, error, "That step was not taken")
    return RedirectResponse(f"/governance/projects/{project_id}", status_code=status.HTTP_303_SEE_OTHER)
