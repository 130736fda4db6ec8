"""A person's record as FHIR resources: the rows the gate lets the caller see, shaped by `resources`."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import status

from socialdata.access import SOURCE_EVENT, Actor, ItemRef
from socialdata.api.fhir.outcome import FhirError
from socialdata.api.fhir.resources import (
    KINDS_OF_RESOURCE,
    RESOURCE_OF_KIND,
    Resource,
    care_plan_entry,
    event_resource,
    patient,
)
from socialdata.api.fhir.search_params import DateBound
from socialdata.record import RECORD_ENTRY, CareRecord
from socialdata.store.models import EntryKind

ENTRY_ID_PREFIX = "entry-"
ID_DIGITS_LONGEST = 18


def per_patient(
    record: CareRecord, actor: Actor, person_id: str, resource_type: str, dates: Sequence[DateBound] = ()
) -> list[Resource]:
    """One type's resources for a person (CarePlans include professionals' care-plan entries), oldest first, those
    dated to meet every `date` bound (by the start of their period, or when an entry was written)."""
    kind = KINDS_OF_RESOURCE[resource_type]
    rows = record.rows(actor, person_id, [kind], entries=resource_type == "CarePlan")
    resources = [event_resource(e, rows.person_id) for e in rows.events if all(d.keeps(e.start_at) for d in dates)]
    return resources + [
        care_plan_entry(x)
        for x in rows.entries
        if x.kind == EntryKind.CARE_PLAN and all(d.keeps(x.created_at) for d in dates)
    ]


def everything(record: CareRecord, actor: Actor, person_id: str) -> list[Resource]:
    """The Patient first, then every resource of their record the caller may see."""
    rows = record.rows(actor, person_id, list(RESOURCE_OF_KIND))
    resources = [patient(rows.person_id, rows.person, rows.sources)]
    resources += [event_resource(e, rows.person_id) for e in rows.events]
    return resources + [care_plan_entry(x) for x in rows.entries if x.kind == EntryKind.CARE_PLAN]


def _numeric(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS_LONGEST else None


def resource_ref(resource_type: str, raw_id: str) -> ItemRef:
    """The item a resource id names: a feed event's id, or `entry-N` for a care-plan entry; a 404 for an id no
    resource of this type could have (that tells nothing about anyone)."""
    if resource_type == "CarePlan" and raw_id.startswith(ENTRY_ID_PREFIX):
        entry_id = _numeric(raw_id.removeprefix(ENTRY_ID_PREFIX))
        if entry_id is not None:
            return ItemRef(RECORD_ENTRY, entry_id)
    event_id = _numeric(raw_id)
    if event_id is None:
        raise FhirError(status.HTTP_404_NOT_FOUND, "not-found", f"no {resource_type} has the id {raw_id[:40]!r}")
    return ItemRef(SOURCE_EVENT, event_id)


def read_one(record: CareRecord, actor: Actor, resource_type: str, raw_id: str) -> Resource:
    """One resource by id, through the gate on the person it belongs to (403 alike when absent or refused)."""
    ref = resource_ref(resource_type, raw_id)
    kinds = [EntryKind.CARE_PLAN.value] if ref.item_type == RECORD_ENTRY else [KINDS_OF_RESOURCE[resource_type]]
    rows = record.resource(actor, ref, kinds)
    if rows.entries:
        return care_plan_entry(rows.entries[0])
    return event_resource(rows.events[0], rows.person_id)
