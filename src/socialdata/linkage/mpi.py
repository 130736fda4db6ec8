"""Writing one linkage run into the master person index: stable ids, events, review queue, conflicts, the run.

Everything happens in the caller's session, so a run is stored whole or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from socialdata.linkage.batch import RULE_DETERMINISTIC, RULE_STEWARD, IdentifierConflict, Link
from socialdata.linkage.records import ScoredPair
from socialdata.linkage.review import PairKey, steward_decisions
from socialdata.linkage.stable_ids import Assignment, assign_person_ids, new_person_id
from socialdata.store.models.linkage import IdentifierConflict as ConflictRow
from socialdata.store.models.linkage import (
    LinkBasis,
    LinkEvent,
    LinkRun,
    Person,
    PersonLink,
    PersonStatus,
    ReviewItem,
    ReviewStatus,
)
from socialdata.store.types import utcnow

RUN_ACTOR = "sdf link"
MPI_LOCK_KEY = 0x4D5049  # "MPI": the advisory lock that serialises runs on PostgreSQL


@dataclass(frozen=True)
class LinkOutcome:
    """What the engine decided, in the terms the index stores: a cluster per record and the pairs behind them."""

    clusters: Mapping[int, Hashable]
    links: Sequence[Link]
    review: Sequence[ScoredPair]
    conflicts: Sequence[IdentifierConflict] = ()
    model: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    """The counts a person sees after `sdf link`."""

    run_id: int
    records: int
    persons: int
    persons_created: int
    persons_merged: int
    persons_split: int
    records_moved: int
    review_open: int
    conflicts: int

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _LinkRow:
    person_id: str
    basis: str
    weight: float | None


def persist_run(session: Session, outcome: LinkOutcome, *, started_at: dt.datetime) -> RunSummary:
    """Store the outcome as the index's new state; re-storing an unchanged outcome changes no id and logs nothing."""
    if session.get_bind().dialect.name == "postgresql":
        # Two runs at once would both mint ids for the same records; SQLite's single writer already prevents it.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MPI_LOCK_KEY})
    now = utcnow()
    run = LinkRun(
        started_at=started_at,
        finished_at=now,
        model=outcome.model,
        stats=outcome.stats,
        records=len(outcome.clusters),
        conflicts=len(outcome.conflicts),
    )
    session.add(run)
    session.flush()
    previous = {
        key: _LinkRow(person, basis, weight)
        for key, person, basis, weight in session.execute(
            select(PersonLink.source_person_id, PersonLink.person_id, PersonLink.basis, PersonLink.weight)
        )
    }
    taken = set(session.scalars(select(Person.id)))
    active = session.scalars(
        select(Person.id).where(Person.status == PersonStatus.ACTIVE).order_by(Person.created_at, Person.id)
    )

    def mint() -> str:
        person = new_person_id(taken)
        taken.add(person)
        return person

    assignment = assign_person_ids(
        {k: row.person_id for k, row in previous.items()}, outcome.clusters, list(active), mint
    )
    decisions = steward_decisions(session)
    _write_persons(session, assignment, run.id, now)
    _write_links(session, previous, _link_rows(outcome, assignment), run.id)
    _write_events(session, assignment, run.id, now)
    run.review_open = _refresh_review_queue(session, outcome.review, decisions, run.id)
    _write_conflicts(session, outcome.conflicts, assignment, run.id)
    run.persons = len(set(assignment.person_of_record.values()))
    run.persons_created = len(assignment.created)
    run.persons_merged = len(assignment.merged_into)
    run.persons_split = assignment.persons_split
    run.records_moved = assignment.records_moved
    session.flush()
    return RunSummary(
        run_id=run.id,
        records=run.records,
        persons=run.persons,
        persons_created=run.persons_created,
        persons_merged=run.persons_merged,
        persons_split=run.persons_split,
        records_moved=run.records_moved,
        review_open=run.review_open,
        conflicts=run.conflicts,
    )


def _write_persons(session: Session, assignment: Assignment, run_id: int, now: dt.datetime) -> None:
    if assignment.created:
        active = PersonStatus.ACTIVE.value
        session.execute(
            insert(Person),
            [
                {"id": p, "status": active, "created_at": now, "changed_at": now, "created_run_id": run_id}
                for p in assignment.created
            ],
        )
    for old, survivor in assignment.merged_into.items():
        session.execute(
            update(Person)
            .where(Person.id == old)
            .values(status=PersonStatus.MERGED.value, merged_into=survivor, changed_at=now)
        )
    if assignment.retired:
        session.execute(
            update(Person)
            .where(Person.id.in_(assignment.retired))
            .values(status=PersonStatus.RETIRED.value, changed_at=now)
        )


def _link_rows(outcome: LinkOutcome, assignment: Assignment) -> dict[int, _LinkRow]:
    """Each record's basis is its strongest applied link's (steward, then deterministic, then by weight)."""
    person = assignment.person_of_record
    size: dict[str, int] = defaultdict(int)
    for p in person.values():
        size[p] += 1
    rank = {RULE_STEWARD: 2, RULE_DETERMINISTIC: 1}
    best: dict[int, tuple[int, float, str]] = {}
    for link in outcome.links:
        strength = (rank.get(link.rule, 0), link.match_weight, link.rule)
        for key in (link.left_key, link.right_key):
            best[key] = max(best.get(key, strength), strength)
    rows: dict[int, _LinkRow] = {}
    for key, p in person.items():
        _rank, weight, rule = best.get(key, (0, math.nan, LinkBasis.PROBABILISTIC.value))
        if size[p] == 1:
            rows[key] = _LinkRow(p, LinkBasis.SINGLETON.value, None)
        else:
            basis = LinkBasis(rule) if rule in (RULE_STEWARD, RULE_DETERMINISTIC) else LinkBasis.PROBABILISTIC
            rows[key] = _LinkRow(p, basis.value, round(weight, 3) if math.isfinite(weight) else None)
    return rows


def _write_links(session: Session, previous: Mapping[int, _LinkRow], rows: Mapping[int, _LinkRow], run_id: int) -> None:
    """Insert new records' links and update only the links that changed, so a re-run touches nothing."""
    new = [{"source_person_id": key, **vars(row), "run_id": run_id} for key, row in rows.items() if key not in previous]
    changed = [
        {"source_person_id": key, **vars(row), "run_id": run_id}
        for key, row in rows.items()
        if key in previous and previous[key] != row
    ]
    if new:
        session.execute(insert(PersonLink), new)
    if changed:
        session.execute(update(PersonLink), changed)


def _write_events(session: Session, assignment: Assignment, run_id: int, now: dt.datetime) -> None:
    if not assignment.changes:
        return
    session.execute(
        insert(LinkEvent),
        [
            {
                "kind": change.kind.value,
                "person_id": change.person_id,
                "other_person_id": change.other_person_id,
                "source_person_ids": list(change.record_keys),
                "run_id": run_id,
                "actor": RUN_ACTOR,
                "at": now,
            }
            for change in assignment.changes
        ],
    )


def _refresh_review_queue(
    session: Session, candidates: Sequence[ScoredPair], decided: Collection[PairKey], run_id: int
) -> int:
    """Open items become exactly the undecided candidates of this run; an item still in doubt keeps its id."""
    wanted = {(p.left_key, p.right_key): p for p in candidates if (p.left_key, p.right_key) not in decided}
    open_items = {
        (item.left_source_person_id, item.right_source_person_id): item
        for item in session.scalars(select(ReviewItem).where(ReviewItem.status == ReviewStatus.OPEN))
    }
    stale = [item.id for pair, item in open_items.items() if pair not in wanted]
    if stale:
        session.execute(delete(ReviewItem).where(ReviewItem.id.in_(stale)))
    fresh = []
    for pair, scored in wanted.items():
        values = {
            "match_weight": scored.match_weight,
            "match_probability": scored.match_probability,
            "rule": scored.rule,
            "fields": [dataclasses.asdict(f) for f in scored.fields],
            "run_id": run_id,
        }
        if pair in open_items:
            item = open_items[pair]
            for name, value in values.items():
                setattr(item, name, value)
        else:
            fresh.append(
                {"left_source_person_id": pair[0], "right_source_person_id": pair[1], "status": ReviewStatus.OPEN.value}
                | values
            )
    if fresh:
        session.execute(insert(ReviewItem), fresh)
    return len(wanted)


def _write_conflicts(
    session: Session, conflicts: Sequence[IdentifierConflict], assignment: Assignment, run_id: int
) -> None:
    if not conflicts:
        return
    person = assignment.person_of_record
    session.execute(
        insert(ConflictRow),
        [
            {
                "run_id": run_id,
                "identifier": c.identifier,
                "value": c.value,
                "source_person_ids": list(c.keys),
                "person_ids": sorted({person[k] for k in c.keys if k in person}),
                "reason": c.reason,
            }
            for c in conflicts
        ],
    )


def resolve_person(session: Session, person_id: str) -> str | None:
    """The active person an id now stands for: itself, or the survivor it was merged into; None when retired or unknown.

    Anything holding an old person id (an access log, an extract) finds the current person through this.
    """
    seen: set[str] = set()
    current: str | None = person_id
    while current is not None and current not in seen:
        seen.add(current)
        person = session.get(Person, current)
        if person is None or person.status == PersonStatus.RETIRED:
            return None
        if person.status == PersonStatus.ACTIVE:
            return person.id
        current = person.merged_into
    return None
