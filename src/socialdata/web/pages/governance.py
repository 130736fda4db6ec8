"""Governance pages: the hub (what is waiting for me), and data sharing agreements — drafting one (or importing an
ODRL policy), reading it, its ODRL export, and each lifecycle step by the role it needs. The services decide who may
do what; these pages only show their answers."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from socialdata.access import not_person_level
from socialdata.errors import UserError
from socialdata.governance.agreement_terms import (
    ARTICLE6,
    ARTICLE9,
    CONDITIONS,
    CONFIDENTIALITY_BASES,
    FOREGROUND_IP_OWNERS,
    NO_LINKAGE_PREFIX,
    PURPOSES,
    AgreementTerms,
    checked_terms,
    value_terms_from,
)
from socialdata.governance.agreements import Agreements, AgreementView
from socialdata.governance.datasets import DATASETS
from socialdata.governance.odrl import from_odrl, to_odrl
from socialdata.governance.organisations import list_organisations
from socialdata.governance.projects import Projects
from socialdata.governance.users import Role, list_users
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.pages.governance_forms import (
    RowId,
    chosen_fields,
    dataset_choices,
    date,
    error_status,
    governance_user,
    refused,
    text,
    whole_number,
)
from socialdata.web.session import SessionUser, check_csrf
from socialdata.web.templating import templates

router = APIRouter(prefix="/governance")
ODRL_LIMIT = 200_000

# Which lifecycle step each role may take from each status (the service checks again; this decides the buttons).
STEPS: dict[str, tuple[tuple[str, str, frozenset[Role]], ...]] = {
    "draft": (("submit", "Submit for steward review", frozenset({Role.DATA_STEWARD, Role.ADMINISTRATOR})),),
    "submitted": (
        ("review", "Record steward review", frozenset({Role.DATA_STEWARD})),
        ("reject", "Reject", frozenset({Role.DATA_STEWARD})),
    ),
    "steward_reviewed": (
        ("approve", "Approve for the partnership board", frozenset({Role.BOARD_MEMBER})),
        ("reject", "Reject", frozenset({Role.BOARD_MEMBER})),
    ),
    "active": (("revoke", "Revoke now", frozenset({Role.BOARD_MEMBER, Role.DATA_STEWARD})),),
}
NEEDS_REASON = frozenset({"reject", "revoke"})
FOUR_EYES = frozenset({"review", "approve", "reject"})  # not offered to whoever drafted or reviewed it
DRAFTERS = frozenset({Role.DATA_STEWARD, Role.ADMINISTRATOR})


def _form_context(values: dict[str, Any] | None = None, error: str | None = None) -> dict[str, Any]:
    return {
        "values": values or {},
        "error": error,
        "purposes": PURPOSES,
        "article6": ARTICLE6,
        "article9": ARTICLE9,
        "confidentiality": CONFIDENTIALITY_BASES,
        "conditions": CONDITIONS,
        "linkage_prefix": NO_LINKAGE_PREFIX,
        "ip_owners": FOREGROUND_IP_OWNERS,
        "datasets": dataset_choices(),
        "dataset_ids": list(DATASETS),
    }


@router.get("", response_class=HTMLResponse, name="governance")
@not_person_level("agreements and projects: governance records that name organisations and staff, never a patient")
def hub(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> HTMLResponse:
    agreements = Agreements(db)
    projects = Projects(db).visible_to(user)
    everyone = {u.id: u.display_name for u in list_users(db)}
    return templates.TemplateResponse(
        request,
        "governance/hub.html",
        {
            "agreements": agreements.all(),
            "projects": projects,
            "today": agreements.today(),
            "names": everyone,
            "may_draft": user.role in DRAFTERS,
            "purposes": PURPOSES,
        },
    )


@router.get("/agreements/new", response_class=HTMLResponse, name="agreement_new")
@not_person_level("the form for a new agreement")
def agreement_form(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> HTMLResponse:
    context = _form_context({"parties": [], "fields": [], "conditions": ["national_opt_out_applied", "pseudonymised"]})
    context["organisations"] = list_organisations(db)
    return templates.TemplateResponse(request, "governance/agreement_form.html", context)


def _terms_from_form(form: Any) -> AgreementTerms:
    purpose = text(form, "purpose")
    value = None
    if purpose == "commercial":
        milestones = []
        for line in text(form, "milestones").splitlines():
            name, _, amount = line.rpartition("=")
            if line.strip():
                if not amount.strip().isdigit():
                    raise UserError(f"write each milestone as name = pounds: {line!r}", where="milestones")
                milestones.append({"name": name.strip(), "amount_gbp": int(amount.strip())})
        value = value_terms_from(
            {
                "cost_recovery_gbp": whole_number(form, "cost_recovery_gbp"),
                "access_fee_gbp": whole_number(form, "access_fee_gbp"),
                "royalty_basis_points": whole_number(form, "royalty_basis_points"),
                "milestones": milestones,
                "foreground_ip": text(form, "foreground_ip") or "foundation",
            }
        )
    conditions = [c for c in form.getlist("condition") if isinstance(c, str)]
    conditions += [f"{NO_LINKAGE_PREFIX}{d}" for d in form.getlist("no_linkage_with") if isinstance(d, str)]
    return checked_terms(
        title=text(form, "title"),
        purpose=purpose,
        parties=[p for p in form.getlist("party") if isinstance(p, str)],
        datasets=chosen_fields(form),
        conditions=conditions,
        legal_basis_article6=text(form, "legal_basis_article6"),
        legal_basis_article9=text(form, "legal_basis_article9") or None,
        confidentiality_basis=text(form, "confidentiality_basis"),
        starts_on=date(form, "starts_on"),
        ends_on=date(form, "ends_on"),
        value_terms=value,
    )


@router.post("/agreements", dependencies=[Depends(check_csrf)], name="agreement_create", response_model=None)
@not_person_level("drafts an agreement: organisations, datasets and terms, no person")
async def agreement_create(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    try:
        created = Agreements(db).draft(user, _terms_from_form(form))
    except UserError as error:
        values = {
            **{k: v for k, v in form.items() if isinstance(v, str)},
            "parties": form.getlist("party"),
            "fields": form.getlist("field"),
            "conditions": form.getlist("condition"),
            "no_linkage_with": form.getlist("no_linkage_with"),
        }
        context = _form_context(values, str(error))
        context["organisations"] = list_organisations(db)
        return templates.TemplateResponse(
            request, "governance/agreement_form.html", context, status_code=status.HTTP_400_BAD_REQUEST
        )
    return RedirectResponse(f"/governance/agreements/{created.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/agreements/import", dependencies=[Depends(check_csrf)], name="agreement_import", response_model=None)
@not_person_level("imports an ODRL policy as a draft agreement: terms only, no person")
async def agreement_import(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    document = form.get("policy")
    raw = await document.read(ODRL_LIMIT + 1) if document is not None and not isinstance(document, str) else document
    try:
        if not raw or len(raw) > ODRL_LIMIT:
            raise UserError(f"choose an ODRL JSON-LD file of at most {ODRL_LIMIT:,} bytes", where="policy")
        try:
            policy = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise UserError("the file is not JSON", where="policy") from None
        created = Agreements(db).draft(user, from_odrl(policy))
    except UserError as error:
        return refused(request, error, "The policy was not imported")
    return RedirectResponse(f"/governance/agreements/{created.id}", status_code=status.HTTP_303_SEE_OTHER)


def _agreement_page(
    request: Request, db: Database, user: SessionUser, agreement: AgreementView, error: UserError | None = None
) -> HTMLResponse:
    involved = {agreement.created_by, agreement.steward_reviewed_by}
    steps = [
        (step, label)
        for step, label, roles in STEPS.get(agreement.status, ())
        if user.role in roles and (step not in FOUR_EYES or user.id not in involved)
    ]
    return templates.TemplateResponse(
        request,
        "governance/agreement.html",
        {
            "a": agreement,
            "steps": steps,
            "needs_reason": NEEDS_REASON,
            "names": {u.id: u.display_name for u in list_users(db)},
            "in_force": agreement.in_force(Agreements(db).today()),
            "purposes": PURPOSES,
            "article6": ARTICLE6,
            "article9": ARTICLE9,
            "confidentiality": CONFIDENTIALITY_BASES,
            "conditions": CONDITIONS,
            "ip_owners": FOREGROUND_IP_OWNERS,
            "error": str(error) if error else None,
        },
        status_code=error_status(error) if error else status.HTTP_200_OK,
    )


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse, name="agreement", response_model=None)
@not_person_level("one agreement's terms and lifecycle: no person")
def agreement_page(
    request: Request,
    agreement_id: RowId,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    try:
        agreement = Agreements(db).get(agreement_id)
    except UserError as error:
        return refused(request, error, "No such agreement")
    return _agreement_page(request, db, user, agreement)


@router.get("/agreements/{agreement_id}/odrl.json", name="agreement_odrl", response_model=None)
@not_person_level("the agreement as an ODRL policy: terms only")
def agreement_odrl(
    request: Request,
    agreement_id: RowId,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    try:
        agreement = Agreements(db).get(agreement_id)
    except UserError as error:
        return refused(request, error, "No such agreement")
    policy = to_odrl(agreement.terms, uid=f"urn:socialdata:agreement:{agreement.id}")
    policy["sdf:status"] = agreement.status.value
    return JSONResponse(
        policy,
        media_type="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="agreement-{agreement.id}.odrl.jsonld"'},
    )


@router.post(
    "/agreements/{agreement_id}/{step}", dependencies=[Depends(check_csrf)], name="agreement_step", response_model=None
)
@not_person_level("one lifecycle step of an agreement, audited as a governance action")
async def agreement_step(
    request: Request,
    agreement_id: RowId,
    step: str,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    agreements = Agreements(db)
    try:
        note = text(form, "note")
        if step == "submit":
            agreements.submit(user, agreement_id)
        elif step == "review":
            agreements.steward_review(user, agreement_id, note)
        elif step == "approve":
            agreements.approve(user, agreement_id)
        elif step == "reject":
            agreements.reject(user, agreement_id, note)
        elif step == "revoke":
            agreements.revoke(user, agreement_id, note)
        else:
            raise UserError(f"there is no step {step!r}", where="step")
    except UserError as error:
        try:
            return _agreement_page(request, db, user, agreements.get(agreement_id), error)
        except UserError:
            return refused(request, error, "That step was not taken")
    return RedirectResponse(f"/governance/agreements/{agreement_id}", status_code=status.HTTP_303_SEE_OTHER)
