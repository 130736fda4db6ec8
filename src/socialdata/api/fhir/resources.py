"""FHIR R4 (4.0.1) resources built from the stored source rows, UK Core identifiers, provenance in `meta`.

Each resource says where it came from: `meta.source` names the submission that carried it, `meta.lastUpdated` is
its load time, a `meta.tag` names the partner, and its `identifier` is the partner's own id for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from socialdata.access import PersonMatch
from socialdata.api.fhir.search_params import NHS_NUMBER_SYSTEM
from socialdata.record import Demographics
from socialdata.store.models import AuditEventRecord, RecordEntry, SourceEvent, SourcePerson

Resource = dict[str, Any]

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
SOURCE_ORG_TAG = "https://socialdata.example/CodeSystem/source-organisation"
LOCAL_ID = "https://socialdata.example/{org}/Id/{kind}"
GENDERS = frozenset({"male", "female", "other", "unknown"})

# The FHIR resource type each kind of feed event becomes (registrations and ASC requests, assessments and reviews
# stay in the record's timeline; care packages become CarePlans).
RESOURCE_OF_KIND = {
    "encounter": "Encounter",
    "condition": "Condition",
    "procedure": "Procedure",
    "observation": "Observation",
    "allergy": "AllergyIntolerance",
    "medication": "MedicationStatement",
    "asc_service": "CarePlan",
}
KINDS_OF_RESOURCE = {resource: kind for kind, resource in RESOURCE_OF_KIND.items()}

_ENCOUNTER_STATUS = {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                     "entered-in-error", "unknown"}  # fmt: skip
_CLINICAL_STATUS = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
_ALLERGY_STATUS = {"active", "inactive", "resolved"}
_OBSERVATION_STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error",
                       "unknown"}  # fmt: skip
_MEDICATION_STATUS = {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown",
                      "not-taken"}  # fmt: skip
_PROCEDURE_STATUS = {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error",
                     "unknown"}  # fmt: skip


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _subject(person_id: str) -> dict[str, str]:
    return {"reference": f"Patient/{person_id}"}


def _one_of(value: str | None, allowed: set[str], default: str) -> str:
    return value if value in allowed else default


def _concept(event: SourceEvent) -> dict[str, Any]:
    codings = []
    if event.code_system and event.code:
        codings.append(
            {"system": event.code_system, "code": event.code, **({"display": event.display} if event.display else {})}
        )
    for extra in (event.detail or {}).get("codings", []):
        if isinstance(extra, dict) and extra.get("system") and extra.get("code"):
            codings.append({"system": str(extra["system"]), "code": str(extra["code"])})
    concept: dict[str, Any] = {"coding": codings} if codings else {}
    if event.display:
        concept["text"] = event.display
    return concept or {"text": event.kind}


def _status_concept(system: str, code: str | None, allowed: set[str]) -> dict[str, Any] | None:
    if code not in allowed:
        return None
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}", "code": code}]}


def _period(event: SourceEvent) -> dict[str, str]:
    period = {}
    if event.start_at is not None:
        period["start"] = instant(event.start_at)
    if event.end_at is not None:
        period["end"] = instant(event.end_at)
    return period


def _base(event: SourceEvent, resource_type: str) -> Resource:
    return {
        "resourceType": resource_type,
        "id": str(event.id),
        "meta": {
            "source": f"urn:socialdata:submission:{event.submission_id}",
            "lastUpdated": instant(event.loaded_at),
            "tag": [{"system": SOURCE_ORG_TAG, "code": event.organisation_id}],
        },
        "identifier": [
            {"system": LOCAL_ID.format(org=event.organisation_id, kind=event.kind), "value": event.source_id}
        ],
    }


def _clean(resource: Resource) -> Resource:
    """FHIR forbids empty elements: drop the None and {} values a resource was built with."""
    return {key: value for key, value in resource.items() if value not in (None, {}, [])}


def _encounter(event: SourceEvent, person_id: str) -> Resource:
    detail = event.detail or {}
    service = detail.get("service_type")
    service_type = None
    if isinstance(service, dict):
        service_type = {"coding": [{"system": service.get("system"), "code": service.get("code")}]}
    return {
        "status": _one_of(event.status, _ENCOUNTER_STATUS, "unknown"),
        "class": {"system": event.code_system, "code": event.code},
        "serviceType": service_type,
        "subject": _subject(person_id),
        "period": _period(event),
    }


def _condition(event: SourceEvent, person_id: str) -> Resource:
    return {
        "clinicalStatus": _status_concept("condition-clinical", event.status, _CLINICAL_STATUS),
        "code": _concept(event),
        "subject": _subject(person_id),
        "onsetDateTime": instant(event.start_at) if event.start_at else None,
        "abatementDateTime": instant(event.end_at) if event.end_at else None,
    }


def _procedure(event: SourceEvent, person_id: str) -> Resource:
    return {
        "status": _one_of(event.status, _PROCEDURE_STATUS, "completed"),
        "code": _concept(event),
        "subject": _subject(person_id),
        "performedDateTime": instant(event.start_at) if event.start_at else None,
    }


def _observation(event: SourceEvent, person_id: str) -> Resource:
    quantity = None
    if event.value_num is not None:
        quantity = {"value": event.value_num, **({"unit": event.value_unit} if event.value_unit else {})}
    return {
        "status": _one_of(event.status, _OBSERVATION_STATUS, "final"),
        "code": _concept(event),
        "subject": _subject(person_id),
        "effectiveDateTime": instant(event.start_at) if event.start_at else None,
        "valueQuantity": quantity,
        "valueString": event.value_text if quantity is None else None,
    }


def _allergy(event: SourceEvent, person_id: str) -> Resource:
    return {
        "clinicalStatus": _status_concept("allergyintolerance-clinical", event.status, _ALLERGY_STATUS),
        "code": _concept(event),
        "patient": _subject(person_id),
        "recordedDate": instant(event.start_at) if event.start_at else None,
    }


def _medication(event: SourceEvent, person_id: str) -> Resource:
    default = "completed" if event.end_at is not None else "active"
    return {
        "status": _one_of(event.status, _MEDICATION_STATUS, default),
        "medicationCodeableConcept": _concept(event),
        "subject": _subject(person_id),
        "effectivePeriod": _period(event),
    }


def _care_package(event: SourceEvent, person_id: str) -> Resource:
    detail = event.detail or {}
    parts = [str(detail[k]) for k in ("service_component", "delivery_mechanism") if isinstance(detail.get(k), str)]
    return {
        "status": "completed" if event.end_at is not None and event.end_at <= dt.datetime.now(dt.UTC) else "active",
        "intent": "plan",
        "category": [{"text": "Adult social care package"}],
        "title": event.display or "Care package",
        "description": ", ".join(parts) or None,
        "subject": _subject(person_id),
        "period": _period(event),
    }


_BUILDERS = {
    "encounter": _encounter,
    "condition": _condition,
    "procedure": _procedure,
    "observation": _observation,
    "allergy": _allergy,
    "medication": _medication,
    "asc_service": _care_package,
}


def event_resource(event: SourceEvent, person_id: str) -> Resource:
    """The FHIR resource for a feed event of a kind in RESOURCE_OF_KIND."""
    base = _base(event, RESOURCE_OF_KIND[event.kind])
    return _clean({**base, **_BUILDERS[event.kind](event, person_id)})


def care_plan_entry(entry: RecordEntry) -> Resource:
    """A professional's care-plan entry as a CarePlan, its author and organisation kept as written."""
    return _clean(
        {
            "resourceType": "CarePlan",
            "id": f"entry-{entry.id}",
            "meta": {
                "lastUpdated": instant(entry.created_at),
                "tag": [{"system": SOURCE_ORG_TAG, "code": entry.organisation_id or "none"}],
            },
            "status": "active",
            "intent": "plan",
            "description": entry.text,
            "subject": _subject(entry.person_id),
            "created": instant(entry.created_at),
            "author": {
                "display": f"{entry.author_name} ({entry.author_role}, {entry.organisation_id or 'no organisation'})"
            },
        }
    )


def _gender(sex: str | None) -> str | None:
    return sex if sex in GENDERS else None


def patient(person_id: str, person: Demographics, sources: Sequence[SourcePerson]) -> Resource:
    """The person as one Patient: the NHS number, each partner's own id for them, and the demographics."""
    identifiers: list[dict[str, Any]] = []
    if person.nhs_number:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number})
    identifiers += [
        {"system": LOCAL_ID.format(org=sp.organisation_id, kind="patient"), "value": sp.source_id} for sp in sources
    ]
    families = [sp for sp in sources if sp.family_name]
    name = (
        {
            "use": "official",
            "family": families[0].family_name,
            "given": [families[0].given_name] if families[0].given_name else None,
        }
        if families
        else None
    )
    practices = sorted({sp.registered_practice for sp in sources if sp.registered_practice})
    return _clean(
        {
            "resourceType": "Patient",
            "id": person_id,
            "meta": {"profile": [UK_CORE + "Patient"]},
            "identifier": identifiers,
            "name": [_clean(name)] if name else None,
            "gender": _gender(person.sex),
            "birthDate": person.birth_date.isoformat() if person.birth_date else None,
            "deceasedDateTime": person.death_date.isoformat() if person.death_date else None,
            "address": [_clean({"line": [person.address] if person.address else None, "postalCode": person.postcode})]
            if person.address or person.postcode
            else None,
            "generalPractitioner": [{"identifier": {"system": ODS_CODE, "value": code}} for code in practices],
        }
    )


def patient_match(match: PersonMatch) -> Resource:
    """A search hit: the demographics the gate's search gives, enough to tell people apart."""
    name = _clean(
        {"use": "official", "family": match.family_name, "given": [match.given_name] if match.given_name else None}
    )
    return _clean(
        {
            "resourceType": "Patient",
            "id": match.person_id,
            "meta": {"profile": [UK_CORE + "Patient"]},
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": match.nhs_number}] if match.nhs_number else None,
            "name": [name] if len(name) > 1 else None,
            "gender": _gender(match.sex),
            "birthDate": match.birth_date.isoformat() if match.birth_date else None,
            "address": [{"postalCode": match.postcode}] if match.postcode else None,
        }
    )


_ACTIONS = {"C", "R", "U", "D", "E"}


def audit_event(row: AuditEventRecord) -> Resource:
    """An audit row as a FHIR AuditEvent: who (user, role, organisation), what, about whom, why, and the outcome."""
    who: dict[str, Any] = {"identifier": {"system": "https://socialdata.example/Id/user", "value": row.username}}
    agent = {
        "type": {"text": row.role},
        "who": who,
        "requestor": True,
        "purposeOfUse": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": row.purpose}]}
        ],
    }
    if row.organisation_id:
        agent["location"] = {"display": row.organisation_id}
    entities: list[dict[str, Any]] = [{"what": {"display": f"{row.entity_type}/{row.entity_id}"}}]
    if row.patient_id:
        entities.insert(
            0,
            {
                "what": {"reference": f"Patient/{row.patient_id}"},
                "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
            },
        )
    return _clean(
        {
            "resourceType": "AuditEvent",
            "id": str(row.id),
            "type": {
                "system": "http://dicom.nema.org/resources/ontology/DCM",
                "code": "110110",
                "display": "Patient Record",
            },
            "subtype": [{"system": "https://socialdata.example/CodeSystem/break-glass", "code": "break-glass"}]
            if row.break_glass
            else None,
            "action": row.action if row.action in _ACTIONS else None,
            "recorded": instant(row.recorded_at),
            "outcome": str(row.outcome),
            "outcomeDesc": str((row.detail or {}).get("reason", "")) or None,
            "agent": [agent],
            "source": {"observer": {"display": "socialdata access gate"}},
            "entity": entities,
        }
    )
