"""Person-derived counts, computed where the records are held and suppressed there before anything leaves the node.

Readiness to leave: the trust's feed carries no "medically optimised for discharge" flag, so a node counts an
inpatient as ready to leave once the stay reaches LONG_STAY_DAYS (NHS England's "stranded patient" threshold); a
social care client waits for a package when the council's latest step for them is a request or an assessment that
progresses to support, with no service started since. A delayed discharge is both, for one person of the index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.operations.questions import Breakdown, CountAnswer, CountCell, Measure
from socialdata.store.models import PersonLink, SourceEvent, SourcePerson

LONG_STAY_DAYS = 7
TOTAL = "total"
_WAITING_STEPS = {"asc_request", "asc_assessment"}
_STEPS = (*_WAITING_STEPS, "asc_service")
_AGE_BANDS = ((18, "0-17"), (65, "18-64"), (80, "65-79"))
_UNKNOWN_AGE = "unknown"
PersonKey = tuple[str, str]  # (organisation id, the source's id of the person)


def suppressed(count: int, min_cell_count: int) -> int | None:
    """A count of 1..min_cell_count-1 never leaves the node (None); zero says nothing about anyone and does."""
    return count if count == 0 or count >= min_cell_count else None


def age_band(birth_date: dt.date | None, today: dt.date) -> str:
    if birth_date is None:
        return _UNKNOWN_AGE
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    return next((label for limit, label in _AGE_BANDS if age < limit), "80+")


def _inpatients(session: Session, organisation_id: str | None, admitted_before: dt.datetime) -> set[PersonKey]:
    query = select(SourceEvent.organisation_id, SourceEvent.person_source_id).where(
        SourceEvent.kind == "encounter",
        SourceEvent.code == "IMP",
        SourceEvent.status == "in-progress",
        SourceEvent.start_at <= admitted_before,
    )
    if organisation_id is not None:
        query = query.where(SourceEvent.organisation_id == organisation_id)
    return {(org, person) for org, person in session.execute(query)}


def _awaiting_package(session: Session, organisation_id: str | None) -> set[PersonKey]:
    query = select(
        SourceEvent.organisation_id,
        SourceEvent.person_source_id,
        SourceEvent.kind,
        SourceEvent.status,
        SourceEvent.start_at,
    ).where(SourceEvent.kind.in_(_STEPS))
    if organisation_id is not None:
        query = query.where(SourceEvent.organisation_id == organisation_id)
    latest: dict[PersonKey, tuple[tuple[dt.datetime, bool], str, str | None]] = {}
    for org, person, kind, status, start_at in session.execute(query):
        if start_at is None:
            continue
        order = (start_at, kind == "asc_service")  # a service starting the day of its assessment comes after it
        known = latest.get((org, person))
        if known is None or order > known[0]:
            latest[(org, person)] = (order, kind, status)
    return {
        key
        for key, (_, kind, status) in latest.items()
        if kind in _WAITING_STEPS and (status or "").startswith("Progress to")
    }


def _birth_dates(session: Session, keys: Iterable[PersonKey]) -> dict[PersonKey, dt.date | None]:
    wanted = set(keys)
    orgs = {org for org, _ in wanted}
    rows = session.execute(
        select(SourcePerson.organisation_id, SourcePerson.source_id, SourcePerson.birth_date).where(
            SourcePerson.organisation_id.in_(orgs)
        )
    )
    return {(org, source): born for org, source, born in rows if (org, source) in wanted}


def _index_people(session: Session, keys: set[PersonKey]) -> dict[PersonKey, str]:
    """Each source record's person in the master index (records not linked yet are left out)."""
    orgs = {org for org, _ in keys}
    rows = session.execute(
        select(SourcePerson.organisation_id, SourcePerson.source_id, PersonLink.person_id)
        .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .where(SourcePerson.organisation_id.in_(orgs))
    )
    return {(org, source): person for org, source, person in rows if (org, source) in keys}


def _delayed(session: Session, ready_before: dt.datetime) -> set[PersonKey]:
    """Ready-to-leave inpatients (their hospital records) whose person also waits for a package at a council."""
    ready = _index_people(session, _inpatients(session, None, ready_before))
    waiting = set(_index_people(session, _awaiting_package(session, None)).values())
    return {key for key, person in ready.items() if person in waiting}


def people(
    session: Session, measure: Measure, organisation_id: str, now: dt.datetime, *, index: bool
) -> set[PersonKey]:
    """The people the measure counts at this node: its own records, or across the index for the linked measure."""
    if measure is Measure.INPATIENTS:
        return _inpatients(session, organisation_id, now)
    if measure is Measure.LONG_STAY_INPATIENTS:
        return _inpatients(session, organisation_id, now - dt.timedelta(days=LONG_STAY_DAYS))
    if measure is Measure.AWAITING_CARE_PACKAGE:
        return _awaiting_package(session, organisation_id)
    return _delayed(session, now - dt.timedelta(days=LONG_STAY_DAYS)) if index else set()


def holds(session: Session, measure: Measure, organisation_id: str, *, index: bool) -> bool:
    """Whether this node has the records a measure is counted from (so a zero means none, not "not mine")."""
    if measure is Measure.DELAYED_DISCHARGES:
        return index
    kinds = ("asc_request",) if measure is Measure.AWAITING_CARE_PACKAGE else ("encounter",)
    found = session.scalar(
        select(SourceEvent.id)
        .where(SourceEvent.organisation_id == organisation_id, SourceEvent.kind.in_(kinds))
        .limit(1)
    )
    return found is not None


def count(
    session: Session,
    measure: Measure,
    by: Breakdown,
    organisation_id: str,
    now: dt.datetime,
    *,
    index: bool,
    min_cell_count: int,
) -> CountAnswer:
    """The measure's cells at this node, each below min_cell_count already replaced by None."""
    held = holds(session, measure, organisation_id, index=index)
    counted = people(session, measure, organisation_id, now, index=index) if held else set()
    if by is Breakdown.AGE_BAND:
        born = _birth_dates(session, counted)
        groups = Counter(age_band(born.get(key), now.date()) for key in counted)
    else:
        groups = Counter({TOTAL: len(counted)})
    cells = [CountCell(group=group, count=suppressed(n, min_cell_count)) for group, n in sorted(groups.items())]
    return CountAnswer(measure=measure, by=by, held=held, min_cell_count=min_cell_count, cells=cells if held else [])
