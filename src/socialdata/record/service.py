"""The shared care record: finding a person, opening their joined-up record (summary and timeline with provenance),
one item by id, and adding notes and care-plan entries — every step decided and audited by the access gate."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from socialdata.access import (
    SOURCE_EVENT,
    AccessDenied,
    AccessGate,
    Actor,
    ItemFacts,
    ItemRef,
    PersonMatch,
    PersonQuery,
    Purpose,
    RelationshipBasis,
    event_facts,
)
from socialdata.errors import UserError
from socialdata.record.entries import checked_text, person_entries, person_entry, write_entry
from socialdata.record.filters import TimelineFilter
from socialdata.record.items import (
    SourceNames,
    TimelineItem,
    entry_facts,
    entry_item,
    entry_row_item,
    event_item,
    event_row_item,
)
from socialdata.record.owners import ITEM_REFUSED, item_owner, refuse_unknown_item
from socialdata.record.rows import RECORD_ENTRY, record_rows
from socialdata.record.summary import Demographics, RecordSummary, demographics, summarise
from socialdata.store import Database
from socialdata.store.models import EntryKind, RecordEntry, SourceEvent, SourcePerson
from socialdata.store.types import utcnow

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
ID_DIGITS_LONGEST = 18
PERSON_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class RecordView:
    """A person's record as one professional may see it now."""

    person_id: str
    person: Demographics
    basis: RelationshipBasis
    summary: RecordSummary
    timeline: list[TimelineItem]  # newest first, after the filter
    visible_items: int  # before the filter
    withheld: int
    filter: TimelineFilter
    organisations: list[tuple[str, str]]  # the sources on this record (code, name), for the filter
    kinds: list[str]


@dataclass(frozen=True)
class VisibleRows:
    """The stored rows of a person's record one actor may see, for the FHIR API to shape."""

    person_id: str
    person: Demographics
    sources: list[SourcePerson]
    events: list[SourceEvent]
    entries: list[RecordEntry]


class CareRecord:
    """The record's service over one store; `clock` gives "now" to the gate and the summary (tests set it)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.gate = AccessGate(db, clock=clock)
        self._db = db
        self._clock = clock

    def find(
        self,
        actor: Actor,
        *,
        nhs_number: str | None = None,
        family_name: str | None = None,
        given_name: str | None = None,
        birth_date: str | None = None,
    ) -> list[PersonMatch]:
        """People matching an NHS number, or a family name with a date of birth (UserError names a bad field)."""
        query = PersonQuery.parse(
            nhs_number=nhs_number, family_name=family_name, given_name=given_name, birth_date=birth_date
        )
        return self.gate.search(actor, query)

    def open(
        self,
        actor: Actor,
        person_id: str,
        timeline_filter: TimelineFilter | None = None,
        purpose: Purpose = Purpose.DIRECT_CARE,
    ) -> RecordView:
        """The summary and the timeline (AccessDenied, audited, when the gate says no)."""
        chosen = timeline_filter or TimelineFilter()
        with self.gate.open_person(actor, person_id, purpose) as access:
            rows = record_rows(access.session, access.person_id)
            events = access.filter(rows.events, event_facts)
            entries = access.filter(rows.entries, entry_facts)
            items = [event_row_item(e) for e in events.visible] + [entry_row_item(x) for x in entries.visible]
            items.sort(key=_dated)
            items.reverse()  # newest first, undated last; at the same moment the later written first
            sources = {i.provenance.organisation_id: i.provenance.organisation_name for i in items}
            person = demographics(access.source_persons())
            view = RecordView(
                person_id=access.person_id,
                person=person,
                basis=access.basis,
                summary=summarise(person, events.visible, entries.visible, self._clock()),
                timeline=[i for i in items if chosen.keeps(i)] if chosen.active else items,
                visible_items=len(items),
                withheld=events.withheld + entries.withheld,
                filter=chosen,
                organisations=sorted((org, name) for org, name in sources.items() if org),
                kinds=sorted({i.kind for i in items}),
            )
        return view

    def rows(
        self, actor: Actor, person_id: str, kinds: Collection[str] | None = None, *, entries: bool = True
    ) -> VisibleRows:
        """The person's visible feed events (of some kinds) and, if asked, entries (AccessDenied when refused)."""
        with self.gate.open_person(actor, person_id) as access:
            events = access.events(kinds)
            visible_entries = access.filter(person_entries(access) if entries else [], entry_facts)
            sources = access.source_persons()
            rows = VisibleRows(
                person_id=access.person_id,
                person=demographics(sources),
                sources=sources,
                events=events.visible,
                entries=visible_entries.visible,
            )
        return rows

    def item(self, actor: Actor, person_id: str, ref: ItemRef) -> TimelineItem:
        """One item asked for by id: AccessDenied (audited) alike when it is not this person's, absent or withheld."""
        with self.gate.open_person(actor, person_id) as access:
            if ref.item_type == SOURCE_EVENT:
                event = access.event(ref.item_id)
                found = event_item(event, SourceNames.load(access.session, [event.submission_id]))
            else:
                entry = person_entry(access, ref.item_id) if ref.item_type == RECORD_ENTRY else None
                if entry is None:
                    # Refused like a withheld item, so the answer does not tell whether it exists elsewhere.
                    access.check_item(ItemFacts(ref=ref, organisation_id="", sealed=True))
                    raise AccessDenied(ITEM_REFUSED)
                access.check_item(entry_facts(entry))
                found = entry_item(entry, SourceNames.load(access.session, []))
        return found

    def resource(self, actor: Actor, ref: ItemRef, kinds: Collection[str]) -> VisibleRows:
        """One event (of one of `kinds`) or entry asked for by its id alone, as FHIR reads a resource: the gate
        decides on the person it belongs to. AccessDenied (audited) alike when it does not exist, is of another kind,
        is about someone the actor may not see, or is withheld — so the answer never tells which."""
        owner = item_owner(self._db, ref, kinds)
        if owner is None:
            refuse_unknown_item(self._db, actor, ref, self._clock())
        try:
            with self.gate.open_person(actor, owner) as access:
                events: list[SourceEvent] = []
                entries: list[RecordEntry] = []
                if ref.item_type == SOURCE_EVENT:
                    events.append(access.event(ref.item_id))
                else:
                    entry = person_entry(access, ref.item_id)
                    if entry is None:  # moved to another person since the lookup
                        access.check_item(ItemFacts(ref=ref, organisation_id="", sealed=True))
                        raise AccessDenied(ITEM_REFUSED)
                    access.check_item(entry_facts(entry))
                    entries.append(entry)
                sources = access.source_persons()
                rows = VisibleRows(access.person_id, demographics(sources), sources, events, entries)
        except AccessDenied:
            raise AccessDenied(ITEM_REFUSED) from None
        return rows

    def add_entry(self, actor: Actor, person_id: str, kind: EntryKind, text: str) -> int:
        """Store a note or care-plan entry verbatim with its author; returns its id."""
        checked = checked_text(text)
        with self.gate.open_person(actor, person_id) as access:
            entry_id = write_entry(access, kind, checked).id
        return entry_id


def _dated(item: TimelineItem) -> tuple[bool, dt.datetime]:
    return (item.when is not None, item.when or _NEVER)


def parse_person_id(raw: str) -> str:
    """A person id as typed in a URL (letters, digits, '-', '.'; at most 64), or a UserError: anything else cannot be
    a person, and is refused before it reaches the gate or the database."""
    if not PERSON_ID.fullmatch(raw):
        raise UserError(f"{raw[:40]!r} is not a person id", where="person")
    return raw


def parse_item_ref(item_type: str, item_id: str) -> ItemRef:
    if (
        item_type not in (SOURCE_EVENT, RECORD_ENTRY)
        or not item_id.isascii()
        or not item_id.isdigit()
        or len(item_id) > ID_DIGITS_LONGEST
    ):
        raise UserError(f"no item {item_type[:30]}/{item_id[:30]}", where="item")
    return ItemRef(item_type, int(item_id))
