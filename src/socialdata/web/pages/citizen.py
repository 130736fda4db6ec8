"""The citizen portal's reading pages: my record, who looked at it (with each access's inclusion proof), how my data
was used, and downloading everything (FHIR Bundle JSON and a readable HTML file). Every route asks the gate for the
signed-in citizen's own record; any other person id gets the same refusal, audited."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from socialdata.access import AccessDenied, person_route
from socialdata.citizen import SHOWN_LONGEST, CitizenPortal, fhir_bundle, linked_person
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.pages.citizen_common import answers, page, person_in_url, refused
from socialdata.web.session import signed_in_actor
from socialdata.web.templating import templates

router = APIRouter()
Db = Annotated[Database, Depends(database)]
NO_LINK = "-"  # what the gate is asked for when a login is linked to no one: refused like anyone else's record


@router.get("/citizen", name="citizen_home", response_model=None)
@person_route
def home(request: Request, db: Db) -> Response:
    """The signed-in citizen's own record (the portal's front page)."""
    actor = signed_in_actor(request)
    return _record(request, db, linked_person(db, actor) or NO_LINK)


@router.get("/citizen/{person_id}", name="citizen_record", response_model=None)
@answers
@person_route
def record(request: Request, person_id: str, db: Db) -> Response:
    return _record(request, db, person_in_url(request, person_id))


def _record(request: Request, db: Db, person_id: str) -> Response:
    actor = signed_in_actor(request)
    try:
        own = CitizenPortal(db).record(actor, person_id)
    except AccessDenied as denied:
        return refused(request, denied)
    return page(request, "citizen/record.html", {"own": own, "person_id": own.person_id, "section": "record"})


@router.get("/citizen/{person_id}/access", name="citizen_access", response_model=None)
@answers
@person_route
def access_log(request: Request, person_id: str, db: Db) -> Response:
    """Every access to the record, newest first, each with a link to its proof."""
    actor = signed_in_actor(request)
    try:
        entries = CitizenPortal(db).access_log(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    context = {"entries": entries, "person_id": person_id, "section": "access", "shown_longest": SHOWN_LONGEST}
    return page(request, "citizen/access.html", context)


@router.get("/citizen/{person_id}/access/{event_id}", name="citizen_proof", response_model=None)
@answers
@person_route
def proof(request: Request, person_id: str, event_id: str, db: Db) -> Response:
    """One access's inclusion proof against the published signed tree head, with how to check it."""
    actor = signed_in_actor(request)
    wanted = int(event_id) if event_id.isascii() and event_id.isdigit() and len(event_id) < 19 else -1
    try:
        found = CitizenPortal(db).proof(actor, person_in_url(request, person_id), wanted)
    except AccessDenied as denied:
        return refused(request, denied)
    return page(request, "citizen/proof.html", {"proof": found, "person_id": person_id, "section": "access"})


@router.get("/citizen/{person_id}/uses", name="citizen_uses", response_model=None)
@answers
@person_route
def data_uses(request: Request, person_id: str, db: Db) -> Response:
    """Every research or planning extract that included the person, linked to the public register."""
    actor = signed_in_actor(request)
    try:
        uses = CitizenPortal(db).data_uses(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    return page(request, "citizen/uses.html", {"uses": uses, "person_id": person_id, "section": "uses"})


@router.get("/citizen/{person_id}/export.json", name="citizen_export_json", response_model=None)
@answers
@person_route
def export_json(request: Request, person_id: str, db: Db) -> Response:
    """Everything as a FHIR R4 Bundle, to keep or take elsewhere (the download is audited)."""
    actor = signed_in_actor(request)
    try:
        export = CitizenPortal(db).export(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    body = orjson.dumps(fhir_bundle(export), option=orjson.OPT_INDENT_2)
    return Response(body, media_type="application/fhir+json", headers=_attachment(person_id, "json"))


@router.get("/citizen/{person_id}/export.html", name="citizen_export_html", response_model=None)
@answers
@person_route
def export_html(request: Request, person_id: str, db: Db) -> Response:
    """Everything as one readable web page to save or print (the download is audited)."""
    actor = signed_in_actor(request)
    try:
        export = CitizenPortal(db).export(actor, person_in_url(request, person_id))
    except AccessDenied as denied:
        return refused(request, denied)
    body = templates.get_template("citizen/export.html").render(export=export)
    return Response(body, media_type="text/html; charset=utf-8", headers=_attachment(person_id, "html"))


def _attachment(person_id: str, extension: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="my-data-{person_id}.{extension}"',
        "Cache-Control": "no-store",
    }
