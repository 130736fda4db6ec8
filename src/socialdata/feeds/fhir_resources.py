"""From one FHIR R4 (UK Core) resource to the rows the store keeps: Patient → source_person, the rest → source_event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from socialdata.feeds.code_systems import checked_coding, known_codings
from socialdata.feeds.person_identity import person_row
from socialdata.feeds.problems import RecordProblem
from socialdata.feeds.record_fields import fhir_datetime
from socialdata.feeds.rows import EventRow
from socialdata.feeds.writer import SubmissionWriter

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"

Resource = dict[str, Any]


def _text(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise RecordProblem(field, f"{field} is not a string")


def _object(value: object, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise RecordProblem(field, f"{field} is not an object")


def _list(value: object, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise RecordProblem(field, f"{field} is not a list")


def _source_id(resource: Resource) -> str:
    value = resource.get("id")
    if not isinstance(value, str) or not value.strip():
        raise RecordProblem("id", "id is missing; a resource's id is its source id")
    return value


def _person_reference(resource: Resource, field: str) -> str:
    reference = _object(resource.get(field), field).get("reference")
    if not isinstance(reference, str) or not reference.startswith("Patient/") or len(reference) == len("Patient/"):
        raise RecordProblem(f"{field}.reference", f"{field}.reference {reference!r} is not of the form Patient/<id>")
    return reference[len("Patient/") :]


def patient(resource: Resource, writer: SubmissionWriter) -> None:
    nhs_number = verification = None
    for identifier in _list(resource.get("identifier"), "identifier"):
        if isinstance(identifier, dict) and identifier.get("system") == NHS_NUMBER_SYSTEM:
            nhs_number = _text(identifier.get("value"), "identifier.value")
            verification = _verification(identifier)
    names = [n for n in _list(resource.get("name"), "name") if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = [g for g in _list(name.get("given"), "name.given") if isinstance(g, str)]
    address = _object(next(iter(_list(resource.get("address"), "address")), None), "address")
    lines = [x for x in (*_list(address.get("line"), "address.line"), address.get("city")) if isinstance(x, str)]
    practice = None
    if practices := _list(resource.get("generalPractitioner"), "generalPractitioner"):
        reference = _object(practices[0], "generalPractitioner")
        identifier = _object(reference.get("identifier"), "generalPractitioner.identifier")
        practice = _text(identifier.get("value"), "generalPractitioner.identifier.value")
    writer.record(
        person_row(
            source_id=_source_id(resource),
            nhs_number=nhs_number,
            verification=verification,
            given_name=given[0] if given else None,
            other_given_names=" ".join(given[1:]) or None,
            family_name=_text(name.get("family"), "name.family"),
            birth_date=_text(resource.get("birthDate"), "birthDate"),
            sex=_text(resource.get("gender"), "gender"),
            address=", ".join(lines) or None,
            postcode=_text(address.get("postalCode"), "address.postalCode"),
            death_date=_text(resource.get("deceasedDateTime"), "deceasedDateTime"),
            practice=practice,
        )
    )


def _verification(identifier: dict[str, Any]) -> str | None:
    for extension in _list(identifier.get("extension"), "identifier.extension"):
        if isinstance(extension, dict) and extension.get("url") == VERIFICATION_EXTENSION:
            concept = _object(extension.get("valueCodeableConcept"), "identifier.extension")
            codings = _list(concept.get("coding"), "identifier.extension")
            if codings and isinstance(codings[0], dict):
                return _text(codings[0].get("code"), "identifier.extension")
    return None


def _event(
    resource: Resource,
    kind: str,
    coding: dict[str, Any],
    *,
    person_field: str = "subject",
    status: str | None = None,
    start_at: dt.datetime | None = None,
    end_at: dt.datetime | None = None,
    value_num: float | None = None,
    value_unit: str | None = None,
    value_text: str | None = None,
    detail: dict[str, Any] | None = None,
) -> EventRow:
    return {
        "source_id": _source_id(resource),
        "person_source_id": _person_reference(resource, person_field),
        "kind": kind,
        "code_system": coding.get("system"),
        "code": _text(coding.get("code"), "code"),
        "display": _text(coding.get("display"), "code.display"),
        "status": _text(status, "status"),
        "start_at": start_at,
        "end_at": end_at,
        "value_num": value_num,
        "value_unit": value_unit,
        "value_text": value_text,
        "detail": detail or {},
        "ref_field": f"{person_field}.reference",
    }


def _main_code(resource: Resource, field: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first known coding, and the others (kept in detail) when a resource carries several (ICD-10 and SNOMED)."""
    codings = known_codings(resource.get(field), field)
    others = [{"system": c["system"], "code": c["code"]} for c in codings[1:]]
    return codings[0], ({"codings": others} if others else {})


def _status(resource: Resource, field: str) -> str | None:
    concept = resource.get(field)
    if concept is None:
        return None
    return _text(known_codings(concept, field)[0].get("code"), field)


def encounter(resource: Resource, writer: SubmissionWriter) -> None:
    coding = checked_coding(resource.get("class"), "class")
    period = _object(resource.get("period"), "period")
    detail: dict[str, Any] = {}
    service = resource.get("serviceType")
    if service is not None:
        service_coding = known_codings(service, "serviceType")[0]
        detail["service_type"] = {"system": service_coding["system"], "code": service_coding["code"]}
        detail["service_type_display"] = service_coding.get("display")
    writer.record(
        None,
        _event(
            resource,
            "encounter",
            coding,
            status=resource.get("status"),
            start_at=fhir_datetime(period.get("start"), "period.start"),
            end_at=fhir_datetime(period.get("end"), "period.end", may_be_future=True),
            detail=detail,
        ),
    )


def condition(resource: Resource, writer: SubmissionWriter) -> None:
    coding, detail = _main_code(resource, "code")
    if encounter_ref := _object(resource.get("encounter"), "encounter").get("reference"):
        detail["encounter"] = encounter_ref
    writer.record(
        None,
        _event(
            resource,
            "condition",
            coding,
            status=_status(resource, "clinicalStatus"),
            start_at=fhir_datetime(resource.get("onsetDateTime"), "onsetDateTime"),
            detail=detail,
        ),
    )


def procedure(resource: Resource, writer: SubmissionWriter) -> None:
    coding, detail = _main_code(resource, "code")
    performed = resource.get("performedDateTime")
    if performed is None:
        performed = _object(resource.get("performedPeriod"), "performedPeriod").get("start")
    writer.record(
        None,
        _event(
            resource,
            "procedure",
            coding,
            status=resource.get("status"),
            start_at=fhir_datetime(performed, "performedDateTime"),
            detail=detail,
        ),
    )


def observation(resource: Resource, writer: SubmissionWriter) -> None:
    coding, detail = _main_code(resource, "code")
    quantity = _object(resource.get("valueQuantity"), "valueQuantity")
    value = quantity.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise RecordProblem("valueQuantity.value", f"valueQuantity.value {value!r} is not a number")
    writer.record(
        None,
        _event(
            resource,
            "observation",
            coding,
            status=resource.get("status"),
            start_at=fhir_datetime(resource.get("effectiveDateTime"), "effectiveDateTime"),
            value_num=None if value is None else float(value),
            value_unit=_text(quantity.get("unit") or quantity.get("code"), "valueQuantity.unit"),
            value_text=_text(resource.get("valueString"), "valueString"),
            detail=detail,
        ),
    )


def allergy(resource: Resource, writer: SubmissionWriter) -> None:
    coding, detail = _main_code(resource, "code")
    writer.record(
        None,
        _event(
            resource,
            "allergy",
            coding,
            person_field="patient",
            status=_status(resource, "clinicalStatus"),
            start_at=fhir_datetime(resource.get("recordedDate") or resource.get("onsetDateTime"), "recordedDate"),
            detail=detail,
        ),
    )


def medication(resource: Resource, writer: SubmissionWriter) -> None:
    coding, detail = _main_code(resource, "medicationCodeableConcept")
    period = _object(resource.get("effectivePeriod"), "effectivePeriod")
    start = period.get("start", resource.get("effectiveDateTime"))
    writer.record(
        None,
        _event(
            resource,
            "medication",
            coding,
            status=resource.get("status"),
            start_at=fhir_datetime(start, "effectivePeriod.start"),
            end_at=fhir_datetime(period.get("end"), "effectivePeriod.end", may_be_future=True),
            detail=detail,
        ),
    )


HANDLERS: dict[str, Callable[[Resource, SubmissionWriter], None]] = {
    "Patient": patient,
    "Encounter": encounter,
    "Condition": condition,
    "Procedure": procedure,
    "Observation": observation,
    "AllergyIntolerance": allergy,
    "MedicationStatement": medication,
}


def load_entry(entry: object, writer: SubmissionWriter) -> None:
    """One Bundle entry; anything it cannot interpret raises RecordProblem naming the field."""
    if not isinstance(entry, dict):
        raise RecordProblem(None, "the entry is not a JSON object")
    resource = entry.get("resource")
    if not isinstance(resource, dict):
        raise RecordProblem("resource", "the entry has no resource object")
    kind = resource.get("resourceType")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise RecordProblem(
            "resourceType", f"resourceType {kind!r} is not one the loader reads ({', '.join(HANDLERS)})"
        )
    handler(resource, writer)
