"""The sequencer: gives committed, not yet sequenced events contiguous leaf indices, in one short transaction.

Writers append with no lock (`log.py`), so event ids have gaps and commit out of order; the sequencer turns whatever
has committed into leaves 0..n-1, in event-id order, by inserting `audit_leaf` rows. Sequencers are serialised by the
`audit_sequence` counter row, which each one updates first (PostgreSQL holds that row's lock until the sequencer
commits; SQLite's write lock serialises anyway), so two never hand out the same index, and the counter lets
verification catch leaves removed from the end. The lock is held only for one select and two inserts, never across a
writer's transaction, so it does not slow audited transactions.

Sequencing is insert-only: events are never updated, so an event row is exactly what its writer committed, and the
leaf table (index, event id, leaf hash) is all that tree heads and proofs read. The price is an anti-join to find
pending events, proportional to the events it looks at (about 125 ms over 200,000 on PostgreSQL here). So the
background rounds look only at ids above the highest already sequenced, less a lookback for transactions that commit
a little out of id order (PostgreSQL hands ids out at insert, not at commit), and a full sweep now and then picks up
any that committed later still.

The maximum merge delay: the web app runs the sequencer and then issues a tree head every `SDF_AUDIT_SEQUENCE_SECONDS`
(default 1 s, `background.py`), so a committed event has a leaf index, and is covered by a signed tree head, within
about that long while the app is up. Without the app, `sdf audit head` sequences and signs, and `sdf audit verify`
reports events left unsequenced for longer than it allows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from socialdata.audit.errors import AuditIntegrityError, EventNotFound, EventNotSequenced
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, AuditLeaf, AuditSequence

BATCH = 10_000  # events sequenced per transaction, so the lock is never held for long
_LOCK_COUNTER = text(
    "INSERT INTO audit_sequence (id, next_leaf_index) VALUES (1, 0) "
    "ON CONFLICT (id) DO UPDATE SET next_leaf_index = audit_sequence.next_leaf_index "
    "RETURNING next_leaf_index"
)
_UNSEQUENCED = ~exists().where(AuditLeaf.event_id == AuditEventRecord.id)


@dataclass(frozen=True)
class Backlog:
    """Committed events without a leaf index yet, and when the oldest of them was recorded."""

    count: int
    oldest: dt.datetime | None


def backlog(session: Session) -> Backlog:
    query = select(func.count(), func.min(AuditEventRecord.recorded_at)).select_from(AuditEventRecord)
    count, oldest = session.execute(query.where(_UNSEQUENCED)).one()
    return Backlog(int(count), oldest)


def _pending(session: Session, lookback: int | None) -> ColumnElement[bool]:
    """Events without a leaf: all of them, or only those with ids above the highest already sequenced less `lookback`.
    The bound is a number, not a subquery, so that PostgreSQL plans an index range scan, not a pass over every event."""
    if lookback is None:
        return _UNSEQUENCED
    highest = session.scalar(select(func.coalesce(func.max(AuditLeaf.event_id), 0)))
    return and_(AuditEventRecord.id > (highest or 0) - lookback, _UNSEQUENCED)


def _sequence_batch(session: Session, lookback: int | None) -> int:
    """Lock the counter, then give the oldest pending events (by event id) the next leaf indices."""
    start = int(session.execute(_LOCK_COUNTER).scalar_one())
    end = session.scalar(select(func.coalesce(func.max(AuditLeaf.leaf_index) + 1, 0)))
    if end != start:
        raise AuditIntegrityError(f"the sequence counter says {start} leaves but the leaves end at {end}")
    pending = session.execute(
        select(AuditEventRecord.id, AuditEventRecord.leaf_hash)
        .where(_pending(session, lookback))
        .order_by(AuditEventRecord.id)
        .limit(BATCH)
    ).all()
    if not pending:
        return 0
    leaves = [
        {"leaf_index": start + offset, "event_id": event_id, "leaf_hash": leaf_hash}
        for offset, (event_id, leaf_hash) in enumerate(pending)
    ]
    session.execute(insert(AuditLeaf), leaves)
    session.execute(update(AuditSequence).where(AuditSequence.id == 1).values(next_leaf_index=start + len(leaves)))
    return len(leaves)


def sequence_pending(db: Database, lookback: int | None = None) -> int:
    """Sequence every event committed so far, or (cheaper) those with ids above the highest sequenced less `lookback`;
    returns how many were sequenced (0 without taking the lock if none)."""
    total = 0
    while True:
        with db.session() as session:
            if session.scalar(select(AuditEventRecord.id).where(_pending(session, lookback)).limit(1)) is None:
                return total
        with db.session() as session:  # a new transaction whose first statement takes the lock
            done = _sequence_batch(session, lookback)
        total += done
        if done < BATCH:
            return total


def leaf_index_of(db: Database, event_id: int) -> int:
    """The leaf index of a committed event; EventNotSequenced until the sequencer has run, EventNotFound if none."""
    with db.session() as session:
        index = session.scalar(select(AuditLeaf.leaf_index).where(AuditLeaf.event_id == event_id))
        if index is not None:
            return int(index)
        if session.get(AuditEventRecord, event_id) is None:
            raise EventNotFound(f"no audit event has id {event_id}", where="event_id")
    raise EventNotSequenced(
        f"audit event {event_id} is not yet sequenced into the tree (the web app does so within seconds;"
        " `sdf audit head` does it now)",
        where="event_id",
    )
