"""A person's record as FHIR resources: the rows the gate lets the caller see, shaped by `resources`."""

from __future__ import annotations

from socialdata.access import Actor
from socialdata.api.fhir.resources import (
    KINDS_OF_RESOURCE,
    RESOURCE_OF_KIND,
    Resource,
    care_plan_entry,
    event_resource,
    patient,
)
from socialdata.record import CareRecord
from socialdata.store.models import EntryKind


def per_patient(record: CareRecord, actor: Actor, person_id: str, resource_type: str) -> list[Resource]:
    """One type's resources for a person (CarePlans include professionals' care-plan entries), oldest first."""
    kind = KINDS_OF_RESOURCE[resource_type]
    rows = record.rows(actor, person_id, [kind], entries=resource_type == "CarePlan")
    resources = [event_resource(e, rows.person_id) for e in rows.events]
    return resources + [care_plan_entry(x) for x in rows.entries if x.kind == EntryKind.CARE_PLAN]


def everything(record: CareRecord, actor: Actor, person_id: str) -> list[Resource]:
    """The Patient first, then every resource of their record the caller may see."""
    rows = record.rows(actor, person_id, list(RESOURCE_OF_KIND))
    resources = [patient(rows.person_id, rows.person, rows.sources)]
    resources += [event_resource(e, rows.person_id) for e in rows.events]
    return resources + [care_plan_entry(x) for x in rows.entries if x.kind == EntryKind.CARE_PLAN]
