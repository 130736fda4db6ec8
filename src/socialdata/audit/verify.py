"""Full verification of the stored log: every sequenced event against its leaf hash, every head against the rebuilt
tree, and how long committed events have waited for the sequencer.

Each leaf is joined to its event, whose canonical bytes are recomputed from its columns and compared with the leaf's
hash, which catches an edited event by index (and a leaf whose event row was deleted). The tree is then rebuilt from
the leaf hashes in leaf order, and every stored head must carry a valid signature and the rebuilt root at its size.
All heads are checked against one tree, so the heads that pass are consistent with each other (a consistency proof
between any two, built from that tree, verifies); a head that fails is reported with the last good head before it
and, from its stored compact range, the first span of events that differs from what it signed. The sequencer's
counter catches leaves removed from, or slipped onto, the end of the log after the last head; the stored subtree
hashes that proofs are built from are compared with the rebuilt tree too. Events not yet sequenced are counted, and
reported as a problem once the oldest was recorded longer ago than `max_delay`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdata.audit.canonical import event_leaf_hash
from socialdata.audit.compact_range import CompactRange
from socialdata.audit.heads import head_from_record, stored_frontier
from socialdata.audit.merkle import EMPTY_ROOT
from socialdata.audit.rows import EVENT_COLUMNS, event_from_row
from socialdata.audit.sequencer import Backlog, backlog
from socialdata.audit.signing import PublicKey
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, AuditLeaf, AuditSequence, AuditTreeHead, AuditTreeNode
from socialdata.store.types import utcnow

Progress = Callable[[int, int], None]
StoredNodes = dict[tuple[int, int], bytes]  # (level, index) -> subtree hash
_BATCH = 5000
# How long a committed event may wait for the sequencer before verification calls it a problem: generous beside the
# web app's maximum merge delay (1 s by default), so a restart or a CLI-only afternoon is not an alarm.
DEFAULT_MAX_DELAY = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with the event (leaf index) or tree head (row id) it is about."""

    kind: str
    message: str
    leaf_index: int | None = None
    head_id: int | None = None


@dataclass
class VerificationReport:
    events: int = 0
    heads: int = 0
    root_hash: bytes = EMPTY_ROOT
    key_id: str = ""
    unsequenced: Backlog = field(default_factory=lambda: Backlog(0, None))
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "tree_heads": self.heads,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
            "unsequenced": {
                "events": self.unsequenced.count,
                "oldest_recorded_at": self.unsequenced.oldest.isoformat() if self.unsequenced.oldest else None,
            },
            "problems": [p.__dict__ for p in self.problems],
        }


def _events(lo: int, hi: int) -> str:
    """Leaves [lo, hi) as a person reads them: "event 9" or "events 9..11"."""
    return f"event {lo}" if hi - lo == 1 else f"events {lo}..{hi - 1}"


class _Checker:
    """Walks the leaves once, checking each head when the rebuilt tree reaches its size."""

    def __init__(
        self,
        heads: list[AuditTreeHead],
        nodes: dict[tuple[int, int], bytes],
        public: PublicKey,
        report: VerificationReport,
    ) -> None:
        self.heads = heads
        self.nodes = nodes
        self.public = public
        self.report = report
        self.tree = CompactRange()
        self.next_head = 0
        self.last_good: AuditTreeHead | None = None
        self.bad_nodes: list[tuple[int, int]] = []

    def problem(self, kind: str, message: str, *, leaf: int | None = None, head: int | None = None) -> None:
        self.report.problems.append(Problem(kind, message, leaf, head))

    def check_signatures(self) -> None:
        for record in self.heads:
            name = f"tree head #{record.id} (size {record.tree_size}, {record.timestamp:%Y-%m-%d %H:%M:%S}Z)"
            if record.key_id != self.public.key_id:
                self.problem("head_unknown_key", f"{name} names key {record.key_id}, not this log's", head=record.id)
            elif not head_from_record(record).signature_valid(self.public):
                self.problem("head_bad_signature", f"{name} has a signature that does not verify", head=record.id)
            if stored_frontier(record) is None:
                self.problem("head_frontier", f"{name}: its compact range does not give its root", head=record.id)
        by_time = sorted(self.heads, key=lambda r: (r.timestamp, r.id))
        for earlier, later in itertools.pairwise(by_time):
            if later.tree_size < earlier.tree_size:
                self.problem(
                    "head_shrinks",
                    f"tree head #{later.id} (size {later.tree_size}) was signed after #{earlier.id} "
                    f"(size {earlier.tree_size}): the log cannot shrink",
                    head=later.id,
                )

    def add_leaf(self, leaf: bytes) -> None:
        self.tree.append(leaf, self.check_node)
        self.check_heads_at_current_size()

    def check_node(self, level: int, index: int, node: bytes) -> None:
        stored = self.nodes.pop((level, index), None)
        if stored is not None and stored != node:
            self.bad_nodes.append((level, index))

    def check_heads_at_current_size(self) -> None:
        while self.next_head < len(self.heads) and self.heads[self.next_head].tree_size == self.tree.size:
            self.check_root(self.heads[self.next_head])
            self.next_head += 1

    def check_root(self, record: AuditTreeHead) -> None:
        if record.root_hash == self.tree.root():
            self.last_good = record
            return
        good = self.last_good
        since = f"the last head that does is #{good.id} (size {good.tree_size})" if good else "no earlier head does"
        message = (
            f"tree head #{record.id} (size {record.tree_size}) does not match {_events(0, record.tree_size)} "
            f"as stored now; {since}"
        )
        signed = stored_frontier(record)
        if signed is not None:
            for span, ours, theirs in zip(signed.subtree_spans(), self.tree.hashes, signed.hashes, strict=True):
                if ours != theirs:
                    message += f"; the first difference is within {_events(*span)}"
                    break
        self.problem("head_root_mismatch", message, head=record.id)

    def finish(self) -> None:
        wrong = sorted(self.bad_nodes) + sorted(self.nodes)  # differing, then stored beyond the rebuilt tree
        if wrong:
            level, index = wrong[0]
            self.problem(
                "tree_nodes_differ",
                f"{len(wrong)} stored subtree hash(es) differ from the rebuilt tree, the first covering "
                f"{_events(index << level, (index + 1) << level)}; proofs through them will not verify",
                leaf=index << level,
            )
        for record in self.heads[self.next_head :]:
            self.problem(
                "head_beyond_log",
                f"tree head #{record.id} covers {record.tree_size} events but the log holds only {self.tree.size}"
                " (events removed?)",
                head=record.id,
            )


def _leaf_check(checker: _Checker, row: Any, expected: int) -> None:
    index = row.leaf_index
    if index > expected:
        checker.problem("events_missing", f"{_events(expected, index)} missing (deleted?)", leaf=expected)
    elif index < expected:
        checker.problem("event_out_of_order", f"event with leaf index {index} is out of sequence", leaf=index)
    if row.id is None:
        message = f"event {index} (event id {row.event_id}) was deleted: its leaf remains, its event row does not"
        checker.problem("events_missing", message, leaf=index)
        return
    try:
        recomputed = event_leaf_hash(event_from_row(row._mapping))
    except (ValueError, TypeError) as exc:
        checker.problem("event_changed", f"event {index} holds content no event could have ({exc})", leaf=index)
        return
    if recomputed != row.leaf_hash or row.event_hash != row.leaf_hash:
        message = f"event {index} was changed: its content no longer gives its leaf hash"
        checker.problem("event_changed", message, leaf=index)


def _check_counter(session: Session, checker: _Checker, present_end: int) -> None:
    counter = session.scalar(select(AuditSequence.next_leaf_index).where(AuditSequence.id == 1)) or 0
    if counter < present_end:
        checker.problem(
            "events_not_appended",
            f"{_events(counter, present_end)} never sequenced through the log (inserted directly?)",
            leaf=counter,
        )
    elif counter > present_end:
        arrived = session.scalar(select(func.count()).where(AuditLeaf.leaf_index >= present_end))
        if not arrived:  # not just events sequenced while we were verifying
            checker.problem(
                "events_missing",
                f"{_events(present_end, counter)} sequenced but now missing (deleted from the end?)",
                leaf=present_end,
            )


def _check_backlog(report: VerificationReport, max_delay: dt.timedelta, now: dt.datetime) -> None:
    waiting = report.unsequenced
    if waiting.oldest is not None and now - waiting.oldest > max_delay:
        report.problems.append(
            Problem(
                "events_unsequenced",
                f"{waiting.count} event(s) not yet sequenced, the oldest recorded "
                f"{waiting.oldest:%Y-%m-%d %H:%M:%S}Z, longer ago than {max_delay.total_seconds():g} s: "
                "is the sequencer running? (`sdf audit head` runs it)",
            )
        )


def verify_log(
    db: Database,
    public: PublicKey,
    progress: Progress | None = None,
    *,
    max_delay: dt.timedelta = DEFAULT_MAX_DELAY,
    now: dt.datetime | None = None,
) -> VerificationReport:
    """Check the whole log and say precisely what, if anything, is wrong."""
    report = VerificationReport(key_id=public.key_id)
    events = AuditEventRecord.__table__
    leaves = AuditLeaf.__table__
    columns = [
        leaves.c.leaf_index,
        leaves.c.leaf_hash,
        leaves.c.event_id,
        events.c.id,
        events.c.leaf_hash.label("event_hash"),
        *(events.c[name] for name in EVENT_COLUMNS),
    ]
    with db.session() as session:
        report.unsequenced = backlog(session)
        heads = list(session.scalars(select(AuditTreeHead).order_by(AuditTreeHead.tree_size, AuditTreeHead.id)))
        nodes = {(n.level, n.node_index): n.hash for n in session.scalars(select(AuditTreeNode))}
        total = session.scalar(select(func.count()).select_from(leaves)) or 0
        checker = _Checker(heads, nodes, public, report)
        checker.check_signatures()
        checker.check_heads_at_current_size()
        expected = 0
        rows = session.execute(
            select(*columns)
            .select_from(leaves.outerjoin(events, events.c.id == leaves.c.event_id))
            .order_by(leaves.c.leaf_index)
            .execution_options(yield_per=_BATCH)
        )
        for done, row in enumerate(rows, start=1):
            _leaf_check(checker, row, expected)
            checker.add_leaf(row.leaf_hash)
            expected = max(expected, row.leaf_index + 1)
            if progress and done % _BATCH == 0:
                progress(done, total)
        checker.finish()
        _check_counter(session, checker, expected)
    _check_backlog(report, max_delay, now or utcnow())
    report.events, report.heads, report.root_hash = checker.tree.size, len(heads), checker.tree.root()
    if progress:
        progress(report.events, max(total, report.events))
    return report
