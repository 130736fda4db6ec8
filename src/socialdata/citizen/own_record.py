"""The person's own record: the assembly professionals see (summary and timeline with provenance), minus what must not
be shown to the person, each item with the person's correction requests and statements beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from socialdata.access import SOURCE_EVENT, ItemRef, PersonAccess, event_facts
from socialdata.citizen.corrections import CorrectionView, corrections_about
from socialdata.citizen.own_access import person_ids
from socialdata.citizen.withheld import third_party, withheld_refs
from socialdata.record import RECORD_ENTRY, Demographics, RecordSummary, TimelineItem
from socialdata.record.items import entry_facts, entry_row_item, event_row_item
from socialdata.record.rows import record_rows
from socialdata.record.summary import demographics, summarise

_OLDEST = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class OwnItem:
    """One item as the person sees it, with what they asked about it."""

    item: TimelineItem
    corrections: list[CorrectionView]


@dataclass(frozen=True)
class OwnRecord:
    person_id: str
    person: Demographics
    summary: RecordSummary
    timeline: list[OwnItem]  # newest first

    def find(self, ref: ItemRef) -> OwnItem | None:
        return next((own for own in self.timeline if own.item.ref == ref), None)


def read_own_record(access: PersonAccess, now: dt.datetime) -> OwnRecord:
    """Inside the gate's block: what the gate lets the person see (the record's own one-statement read), less withheld
    and third-party items."""
    ids = person_ids(access.session, access.person_id)
    hidden = withheld_refs(access.session, ids)
    rows = record_rows(access.session, access.person_id)
    events = [
        e
        for e in access.filter(rows.events, event_facts).visible
        if ItemRef(SOURCE_EVENT, e.id) not in hidden and not third_party(e)
    ]
    entries = [x for x in access.filter(rows.entries, entry_facts).visible if ItemRef(RECORD_ENTRY, x.id) not in hidden]
    items = [event_row_item(e) for e in events] + [entry_row_item(x) for x in entries]
    items.sort(key=lambda i: (i.when or _OLDEST, i.ref.item_id), reverse=True)
    asked = corrections_about(access.session, ids)
    person = demographics(access.source_persons())
    return OwnRecord(
        person_id=access.person_id,
        person=person,
        summary=summarise(person, events, entries, now),
        timeline=[OwnItem(item, asked.get(item.ref, [])) for item in items],
    )
