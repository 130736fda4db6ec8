"""The data steward's linkage pages: the review queue with the quality report, and one pair side by side to decide.

Items show identifiers (person data). The access gate decides who may look (data stewards and privacy officers) and
audits every look, allowed or not; the review service adds one audit event per person a viewed or decided pair
touches, in the same transaction, so each person's access log shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from socialdata.access import AccessDenied, AccessGate, Actor, person_route
from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.linkage.report import QualityReport, quality_report
from socialdata.linkage.review import (
    MAX_NOTE_LENGTH,
    REVIEW_REFUSAL,
    REVIEWER_ROLES,
    ReviewDetail,
    Reviewer,
    ReviewSummary,
    decide,
    list_items,
    parse_decision,
    show_item,
)
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.session import check_csrf, signed_in_actor
from socialdata.web.templating import templates

router = APIRouter(prefix="/linkage")

QUEUE_PAGE_SIZE = 200
FIELD_LABELS = (
    ("Organisation", "organisation_id"),
    ("Source id", "source_id"),
    ("NHS number", "nhs_number"),
    ("Given name", "given_name"),
    ("Other given names", "other_given_names"),
    ("Family name", "family_name"),
    ("Date of birth", "birth_date"),
    ("Sex", "sex"),
    ("Address", "address"),
    ("Postcode", "postcode"),
    ("Date of death", "death_date"),
)
DECISIONS = (("match", "Same person"), ("non_match", "Different people"), ("unsure", "Not sure"))


@dataclass(frozen=True)
class _Queue:
    items: list[ReviewSummary]
    report: QualityReport


def _reviewer(actor: Actor) -> Reviewer:
    return Reviewer(actor.user_id, actor.username, actor.role.value, actor.organisation_id)


def _error(request: Request, title: str, message: str, status_code: int) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "pages/error.html", {"title": title, "message": message}, status_code=status_code
    )


def _refused(request: Request, message: str) -> HTMLResponse:
    return _error(request, "You cannot open linkage review", message, status.HTTP_403_FORBIDDEN)


def _not_found(request: Request, item_id: int) -> HTMLResponse:
    message = f"There is no review item {item_id}. It may have been settled by a later run."
    return _error(request, "Review item not found", message, status.HTTP_404_NOT_FOUND)


@router.get("", response_class=HTMLResponse, name="linkage", response_model=None)
@person_route
def queue(
    request: Request,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    decided: int | None = None,
) -> Response:
    try:
        [page] = AccessGate(db).oversee(
            actor,
            lambda s: [_Queue(list_items(s, limit=QUEUE_PAGE_SIZE), quality_report(s))],
            entity_type="LinkageReviewQueue",
            entity_id="open",
            roles=REVIEWER_ROLES,
            refusal=REVIEW_REFUSAL,
        )
    except AccessDenied as denied:
        return _refused(request, denied.message)
    return templates.TemplateResponse(
        request, "linkage/queue.html", {"items": page.items, "report": page.report, "decided": decided}
    )


@router.get("/review/{item_id}", response_class=HTMLResponse, name="linkage_item", response_model=None)
@person_route
def item(
    request: Request,
    item_id: int,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
) -> Response:

    def look(session: Session) -> list[ReviewDetail]:
        # An unknown item is an empty answer, so the gate still records its decision (and the route guard sees it).
        try:
            return [show_item(session, item_id, _reviewer(actor))]
        except UserError:
            return []

    try:
        found = AccessGate(db).oversee(
            actor, look, entity_type="ReviewItem", entity_id=str(item_id), roles=REVIEWER_ROLES, refusal=REVIEW_REFUSAL
        )
    except AccessDenied as denied:
        return _refused(request, denied.message)
    if not found:
        return _not_found(request, item_id)
    detail = found[0]
    return templates.TemplateResponse(
        request,
        "linkage/item.html",
        {"detail": detail, "field_labels": FIELD_LABELS, "decisions": DECISIONS, "max_note": MAX_NOTE_LENGTH},
    )


@router.post("/review/{item_id}", dependencies=[Depends(check_csrf)], name="linkage_decide", response_model=None)
@person_route
def decide_item(
    request: Request,
    item_id: int,
    db: Annotated[Database, Depends(database)],
    actor: Annotated[Actor, Depends(signed_in_actor)],
    decision: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=10 * MAX_NOTE_LENGTH)] = "",
) -> Response:
    try:
        AccessGate(db).oversee(
            actor,
            lambda s: [decide(s, item_id, parse_decision(decision), _reviewer(actor), note=note or None)],
            entity_type="ReviewItem",
            entity_id=str(item_id),
            roles=REVIEWER_ROLES,
            refusal=REVIEW_REFUSAL,
            action=Action.UPDATE,
        )
    except AccessDenied as denied:
        return _refused(request, denied.message)
    except UserError as error:
        if error.where == "review item":
            return _not_found(request, item_id)
        return _error(request, "The decision was not recorded", str(error), status.HTTP_400_BAD_REQUEST)
    return RedirectResponse(f"/linkage?decided={item_id}", status_code=status.HTTP_303_SEE_OTHER)
