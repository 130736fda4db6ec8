"""/fhir: FHIR R4 read and search over the shared care record, for bearer-token callers, through the access gate.

Every person-level route asks the gate (`CareRecord`, `AccessGate.search`, `read_audit`) before it answers; refusals
are 403 OperationOutcomes that read the same whether or not the person exists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Security, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from socialdata import __version__
from socialdata.access import Actor, not_person_level, person_route
from socialdata.api.fhir.auth import bearer_actor, store_of
from socialdata.api.fhir.bundles import paged, searchset
from socialdata.api.fhir.capability import capability_statement
from socialdata.api.fhir.outcome import FHIR_JSON, FhirError, answered, fhir_response
from socialdata.api.fhir.records import everything, per_patient, read_one
from socialdata.api.fhir.resources import audit_event, patient, patient_match
from socialdata.api.fhir.search_params import (
    PAGING,
    birth_date_of,
    date_bounds,
    invalid,
    nhs_number_of,
    page_of,
    patient_reference,
    resource_id,
    strict_params,
)
from socialdata.record import CareRecord, read_audit

router = APIRouter(prefix="/fhir", tags=["fhir"])
bearer = HTTPBearer(auto_error=False, description="A token from `sdf token issue USERNAME`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
FHIR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {FHIR_JSON: {}}}
    for code, text in (
        (200, "A FHIR resource or searchset Bundle"),
        (400, "OperationOutcome: a bad or unknown parameter"),
        (401, "OperationOutcome: no valid bearer token"),
        (403, "OperationOutcome: the access gate refused"),
        (404, "OperationOutcome: no such resource or path"),
    )
}
Text = str | None
AUDIT_ID_DIGITS = 18
PatientParam = Annotated[Text, Query(description="The Patient: ID or Patient/ID.")]
Count = Annotated[Text, Query(alias="_count", description="Matches per page (1-100).")]
Offset = Annotated[Text, Query(alias="_offset", description="First match of the page, from 0.")]
DateParam = Annotated[
    list[str] | None,
    Query(description="eq, lt, le, gt or ge, then YYYY[-MM[-DD]] or a time with its zone; twice for a range."),
]


def _actor(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    return bearer_actor(request, credentials)


@router.get("/metadata", responses=FHIR_RESPONSES, response_class=JSONResponse)
@not_person_level("the server's CapabilityStatement")
def metadata() -> JSONResponse:
    return fhir_response(capability_statement(__version__))


@router.get("/Patient", responses=FHIR_RESPONSES, response_class=JSONResponse)
@answered
@person_route
def search_patients(
    request: Request,
    credentials: Credentials,
    identifier: Annotated[Text, Query(description="https://fhir.nhs.uk/Id/nhs-number|NUMBER")] = None,
    family: Annotated[Text, Query(description="Family name (with birthdate)")] = None,
    name: Annotated[Text, Query(description="Family name (with birthdate)")] = None,
    given: Annotated[Text, Query(description="Given name, narrowing a name search")] = None,
    birthdate: Annotated[Text, Query(description="Date of birth, YYYY-MM-DD")] = None,
    count: Count = None,
    offset: Offset = None,
) -> JSONResponse:
    """Find a person by NHS number, or by family name with date of birth (audited with who was found)."""
    actor = _actor(request, credentials)
    params = strict_params(request, ("identifier", "family", "name", "given", "birthdate", *PAGING))
    page = page_of(params)
    if family is not None and name is not None:
        raise invalid("give the family name once, as family or as name")
    matches = CareRecord(store_of(request)).find(
        actor,
        nhs_number=nhs_number_of(identifier) if identifier is not None else None,
        family_name=family or name,
        given_name=given,
        birth_date=birth_date_of(birthdate),
    )
    resources = [patient_match(m) for m in matches]
    return fhir_response(searchset(request, page, len(resources), paged(resources, page)))


@router.get("/Patient/{person_id}", responses=FHIR_RESPONSES, response_class=JSONResponse)
@answered
@person_route
def read_patient(request: Request, person_id: str, credentials: Credentials) -> JSONResponse:
    """One person: their identifiers across the partners and their demographics."""
    actor = _actor(request, credentials)
    strict_params(request, ())
    rows = CareRecord(store_of(request)).rows(actor, resource_id(person_id), (), entries=False)
    return fhir_response(patient(rows.person_id, rows.person, rows.sources))


@router.get("/Patient/{person_id}/$everything", responses=FHIR_RESPONSES, response_class=JSONResponse)
@answered
@person_route
def patient_everything(
    request: Request, person_id: str, credentials: Credentials, count: Count = None, offset: Offset = None
) -> JSONResponse:
    """The Patient and every resource of their record the caller may see, paged."""
    actor = _actor(request, credentials)
    page = page_of(strict_params(request, PAGING))
    resources = everything(CareRecord(store_of(request)), actor, resource_id(person_id))
    return fhir_response(searchset(request, page, len(resources), paged(resources, page)))


def _per_patient_routes(resource_type: str) -> None:
    @router.get(
        f"/{resource_type}", responses=FHIR_RESPONSES, response_class=JSONResponse, name=f"search_{resource_type}"
    )
    @answered
    @person_route
    def search(
        request: Request,
        credentials: Credentials,
        patient: PatientParam = None,
        date: DateParam = None,
        count: Count = None,
        offset: Offset = None,
    ) -> JSONResponse:
        actor = _actor(request, credentials)
        params = strict_params(request, ("patient", *PAGING), repeatable=("date",))
        page = page_of(params)
        dates = date_bounds(request)
        resources = per_patient(CareRecord(store_of(request)), actor, patient_reference(params), resource_type, dates)
        return fhir_response(searchset(request, page, len(resources), paged(resources, page)))

    @router.get(
        f"/{resource_type}/{{resource_id}}",
        responses=FHIR_RESPONSES,
        response_class=JSONResponse,
        name=f"read_{resource_type}",
    )
    @answered
    @person_route
    def read(request: Request, resource_id: str, credentials: Credentials) -> JSONResponse:
        actor = _actor(request, credentials)
        strict_params(request, ())
        return fhir_response(read_one(CareRecord(store_of(request)), actor, resource_type, resource_id))

    search.__doc__ = f"The {resource_type} resources of one patient's record that the caller may see."
    read.__doc__ = f"One {resource_type} by id, if the caller may see the record and the item (403 alike if not)."


for _type in ("Encounter", "Condition", "Observation", "AllergyIntolerance", "MedicationStatement", "CarePlan"):
    _per_patient_routes(_type)


@router.get("/AuditEvent", responses=FHIR_RESPONSES, response_class=JSONResponse)
@answered
@person_route
def search_audit_events(
    request: Request, credentials: Credentials, patient: PatientParam = None, count: Count = None, offset: Offset = None
) -> JSONResponse:
    """The audit log as FHIR AuditEvents, newest first (privacy officers only; this reading is audited too)."""
    actor = _actor(request, credentials)
    params = strict_params(request, ("patient", *PAGING))
    page = page_of(params)
    about = patient_reference(params) if "patient" in params else None
    found = read_audit(store_of(request), actor, patient_id=about, offset=page.offset, count=page.count)
    rows = [audit_event(row) for row in found.rows]
    return fhir_response(searchset(request, page, found.total, rows))


@router.get("/AuditEvent/{event_id}", responses=FHIR_RESPONSES, response_class=JSONResponse)
@answered
@person_route
def read_audit_event(request: Request, event_id: str, credentials: Credentials) -> JSONResponse:
    """One audit event by id (privacy officers only; this reading is audited too)."""
    actor = _actor(request, credentials)
    strict_params(request, ())
    if not (event_id.isascii() and event_id.isdigit() and len(event_id) <= AUDIT_ID_DIGITS):
        raise FhirError(status.HTTP_404_NOT_FOUND, "not-found", f"no AuditEvent has the id {event_id[:40]!r}")
    found = read_audit(store_of(request), actor, patient_id=None, offset=0, count=1, event_id=int(event_id))
    if not found.rows:
        raise FhirError(status.HTTP_404_NOT_FOUND, "not-found", f"no AuditEvent has the id {event_id}")
    return fhir_response(audit_event(found.rows[0]))
