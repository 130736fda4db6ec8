"""The administrator's pages for partners, accounts (including data stewards and partnership board members) and
researchers' training and accreditation (which data stewards may also record)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialdata.access import not_person_level
from socialdata.errors import UserError
from socialdata.governance.accreditation import RECORDERS, all_accreditations, record_training
from socialdata.governance.administration import add_account, add_partner, set_active
from socialdata.governance.organisations import list_organisations
from socialdata.governance.permissions import NotPermitted
from socialdata.governance.users import Role, list_users, parse_role
from socialdata.store import Database
from socialdata.store.models import OrganisationKind
from socialdata.web.app_state import database
from socialdata.web.pages.governance_forms import date, error_status, governance_user, refused, text
from socialdata.web.session import SessionUser, check_csrf
from socialdata.web.templating import templates

router = APIRouter(prefix="/governance/admin")


def _page(request: Request, db: Database, error: UserError | None = None) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "governance/admin.html",
        {
            "organisations": list_organisations(db),
            "accounts": list_users(db),
            "training": all_accreditations(db),
            "roles": list(Role),
            "kinds": list(OrganisationKind),
            "error": str(error) if error else None,
        },
        status_code=error_status(error) if error else status.HTTP_200_OK,
    )


@router.get("", response_class=HTMLResponse, name="governance_admin", response_model=None)
@not_person_level("partners, staff accounts and researchers' training dates: no patient")
def admin_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    if user.role not in RECORDERS:
        return refused(request, NotPermitted("only administrators and data stewards manage these"), "Not for you")
    return _page(request, db)


@router.post("/{what}", dependencies=[Depends(check_csrf)], name="governance_admin_change", response_model=None)
@not_person_level("adds a partner or an account, or records training: no patient")
async def admin_change(
    request: Request,
    what: str,
    db: Annotated[Database, Depends(database)],
    user: Annotated[SessionUser, Depends(governance_user)],
) -> Response:
    form = await request.form()
    try:
        if what == "organisations":
            add_partner(db, user, text(form, "code"), text(form, "name"), text(form, "kind"))
        elif what == "accounts":
            organisation = text(form, "organisation") or None
            add_account(
                db,
                user,
                text(form, "username"),
                text(form, "password"),
                parse_role(text(form, "role")),
                text(form, "display_name"),
                organisation,
            )
        elif what in ("suspend", "restore"):
            set_active(db, user, text(form, "username"), what == "restore")
        elif what == "training":
            accredited = text(form, "accreditation") or None
            record_training(
                db,
                user,
                text(form, "username"),
                training=text(form, "training"),
                completed_on=date(form, "completed_on"),
                expires_on=date(form, "expires_on"),
                accreditation=accredited,
                accredited_on=date(form, "accredited_on") if accredited else None,
                accreditation_expires_on=date(form, "accreditation_expires_on") if accredited else None,
            )
        else:
            raise UserError(f"there is nothing called {what!r} to change here", where="what")
    except UserError as error:
        if user.role not in RECORDERS:
            return refused(request, error, "Not for you")
        return _page(request, db, error)
    return RedirectResponse(f"/governance/admin#{what}", status_code=status.HTTP_303_SEE_OTHER)
