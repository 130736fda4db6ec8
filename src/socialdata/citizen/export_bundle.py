"""The subject access export as a FHIR R4 Bundle (type collection): the person, every item of their own record, who
accessed it, their choices, their correction requests and the extracts they were in — one JSON document to keep or
give to another service."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socialdata.citizen.access_log import AccessEntry
from socialdata.citizen.choices import Choices
from socialdata.citizen.corrections import CorrectionView
from socialdata.citizen.data_uses import DataUse
from socialdata.citizen.own_record import OwnRecord
from socialdata.record import TimelineItem
from socialdata.store.models import CorrectionStatus

Resource = dict[str, Any]
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ENCOUNTER_CLASSES = frozenset({"IMP", "AMB", "EMER", "HH", "VR", "SS", "ACUTE", "NONAC", "OBSENC", "PRENC"})
ENCOUNTER_STATUSES = frozenset(
    {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error"}
)
TASK_STATUS = {CorrectionStatus.OPEN: "requested", CorrectionStatus.ACCEPTED: "accepted"}


@dataclass(frozen=True)
class SubjectAccess:
    """Everything the person may have about themselves, read in one gate decision."""

    record: OwnRecord
    access_log: list[AccessEntry]
    choices: Choices
    data_uses: list[DataUse]
    made_at: dt.datetime


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _clean(resource: Resource) -> Resource:
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


def _concept(item: TimelineItem) -> Resource:
    coding = [{"system": item.code_system, "code": item.code, "display": item.title}] if item.code else []
    return _clean({"coding": coding, "text": item.title})


def _base(item: TimelineItem, resource_type: str, subject: Resource) -> Resource:
    source = item.provenance.organisation_name
    return {
        "resourceType": resource_type,
        "id": f"{item.ref.item_type.replace('_', '-')}-{item.ref.item_id}",
        "meta": {"source": source},
        "subject": subject,
    }


def _encounter(item: TimelineItem, resource: Resource) -> Resource:
    status = item.status if item.status in ENCOUNTER_STATUSES else "unknown"
    klass = {"system": ACT_CODE, "code": item.code} if item.code in ENCOUNTER_CLASSES else {"display": "not recorded"}
    period = _clean({"start": _instant(item.when), "end": _instant(item.until)})
    return {**resource, "status": status, "class": klass, "type": [_concept(item)], "period": period}


def _dated(key: str, **fixed: Any) -> Callable[[TimelineItem, Resource], Resource]:
    def shape(item: TimelineItem, resource: Resource) -> Resource:
        return {**resource, **fixed, "code": _concept(item), key: _instant(item.when)}

    return shape


def _allergy(item: TimelineItem, resource: Resource) -> Resource:
    patient = resource.pop("subject")
    return {**resource, "patient": patient, "code": _concept(item), "recordedDate": _instant(item.when)}


def _medication(item: TimelineItem, resource: Resource) -> Resource:
    status = "active" if item.until is None else "completed"
    return {
        **resource,
        "status": status,
        "medicationCodeableConcept": _concept(item),
        "dateAsserted": _instant(item.when),
    }


def _entry(item: TimelineItem, resource: Resource) -> Resource:
    text = base64.b64encode(item.title.encode("utf-8")).decode("ascii")
    author = f"{item.provenance.author} ({item.provenance.author_role})" if item.provenance.author else None
    return {
        **resource,
        "status": "current",
        "type": {"text": item.kind_label},
        "date": _instant(item.when),
        "author": [{"display": author}] if author else [],
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": text}}],
    }


def _basic(item: TimelineItem, resource: Resource) -> Resource:
    return {**resource, "code": {**_concept(item), "text": f"{item.kind_label}: {item.title}"}}


SHAPES: dict[str, tuple[str, Callable[[TimelineItem, Resource], Resource]]] = {
    "encounter": ("Encounter", _encounter),
    "condition": ("Condition", _dated("recordedDate")),
    "procedure": ("Procedure", _dated("performedDateTime", status="completed")),
    "observation": ("Observation", _dated("effectiveDateTime", status="final")),
    "allergy": ("AllergyIntolerance", _allergy),
    "medication": ("MedicationStatement", _medication),
    "note": ("DocumentReference", _entry),
    "care_plan": ("DocumentReference", _entry),
}


def item_resource(item: TimelineItem, subject: Resource) -> Resource:
    """An item as the FHIR resource that fits it (Basic for social care records and registrations)."""
    resource_type, shape = SHAPES.get(item.kind, ("Basic", _basic))
    return _clean(shape(item, _base(item, resource_type, subject)))


def _patient(export: SubjectAccess) -> Resource:
    p = export.record.person
    identifier = [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": p.nhs_number}] if p.nhs_number else []
    return _clean(
        {
            "resourceType": "Patient",
            "id": export.record.person_id,
            "identifier": identifier,
            "name": [{"text": p.name}],
            "birthDate": p.birth_date.isoformat() if p.birth_date else None,
            "deceasedDateTime": p.death_date.isoformat() if p.death_date else None,
            "address": [_clean({"text": p.address, "postalCode": p.postcode})] if p.address or p.postcode else [],
        }
    )


def _audit(entry: AccessEntry) -> Resource:
    return {
        "resourceType": "AuditEvent",
        "id": f"audit-{entry.event_id}",
        "type": {"display": entry.what},
        "recorded": _instant(entry.when),
        "outcome": "0" if entry.allowed else "4",
        "purposeOfEvent": [{"text": entry.purpose}],
        "agent": [
            _clean(
                {
                    "who": {"display": f"{entry.who}, {entry.role}, {entry.organisation}"},
                    "requestor": True,
                    "policy": [entry.basis] if entry.basis else [],
                }
            )
        ],
        "source": {"observer": {"display": "Social Data Foundation audit log"}},
    }


def _consent(id_: str, scope: str, subject: Resource, deny: bool, text: str, when: dt.datetime | None) -> Resource:
    return _clean(
        {
            "resourceType": "Consent",
            "id": id_,
            "status": "active",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": scope}]},
            "category": [{"text": text}],
            "patient": subject,
            "dateTime": _instant(when),
            "provision": {"type": "deny" if deny else "permit"},
        }
    )


def _choices(choices: Choices, subject: Resource) -> list[Resource]:
    found = [
        _consent("national-opt-out", "research", subject, choices.opted_out, "National data opt-out", None),
        _consent("research-contact", "research", subject, not choices.research_contact, "Contact about research", None),
    ]
    for objection in choices.objections:
        text = f"Objection to {objection.partner.name}'s records being shared"
        found.append(
            _consent(f"objection-{objection.id}", "patient-privacy", subject, True, text, objection.recorded_at)
        )
    return found


def _correction(request: CorrectionView, subject: Resource) -> Resource:
    return _clean(
        {
            "resourceType": "Task",
            "id": f"correction-{request.id}",
            "status": TASK_STATUS.get(request.status, "rejected"),
            "intent": "order",
            "description": request.statement,
            "focus": {"display": request.item_title},
            "for": subject,
            "authoredOn": _instant(request.requested_at),
            "owner": {"display": request.organisation_name},
            "statusReason": {"text": request.decision_reason} if request.decision_reason else None,
        }
    )


def _use(use: DataUse, subject: Resource) -> Resource:
    return {
        "resourceType": "Basic",
        "id": f"data-use-{use.project_id}-{int(use.included_on.timestamp())}",
        "code": {"text": f"{use.purpose}: {use.project} ({use.organisation}); {use.legal_basis}"},
        "subject": subject,
        "created": use.included_on.date().isoformat(),
    }


def fhir_bundle(export: SubjectAccess) -> Resource:
    subject = {"reference": f"Patient/{export.record.person_id}"}
    resources = [_patient(export)]
    resources += [item_resource(own.item, subject) for own in export.record.timeline]
    corrections = {c.id: c for own in export.record.timeline for c in own.corrections}
    resources += [_correction(c, subject) for c in corrections.values()]
    resources += _choices(export.choices, subject)
    resources += [_use(use, subject) for use in export.data_uses]
    resources += [_audit(entry) for entry in export.access_log]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(export.made_at),
        "entry": [{"fullUrl": f"urn:sdf:{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
