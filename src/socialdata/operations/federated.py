"""A federated count: each node's cells, already suppressed at the node, added up group by group at the hub.

A group some node suppressed is shown as "at least" the sum of the others; the hub never sees the small count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialdata.operations.hub import NodeFlag, Reply
from socialdata.operations.questions import Breakdown, CountAnswer, Measure


@dataclass(frozen=True)
class FederatedCell:
    group: str
    known: int  # sum of the counts nodes sent
    suppressed_at: tuple[str, ...]  # nodes whose count was too small to leave them

    @property
    def text(self) -> str:
        if not self.suppressed_at:
            return f"{self.known:,}"
        return f"at least {self.known:,}" if self.known else "fewer than the minimum at every node"


@dataclass(frozen=True)
class FederatedCount:
    measure: Measure
    by: Breakdown
    cells: tuple[FederatedCell, ...]
    answered: tuple[str, ...]  # nodes that hold the records and answered
    excluded: tuple[tuple[str, NodeFlag, str], ...]  # nodes left out: id, flag, why


def combine(measure: Measure, by: Breakdown, replies: Sequence[Reply]) -> FederatedCount:
    known: dict[str, int] = {}
    suppressed: dict[str, list[str]] = {}
    answered = []
    for reply in replies:
        if not isinstance(reply.body, CountAnswer) or not reply.body.held:
            continue
        answered.append(reply.node.node_id)
        for cell in reply.body.cells:
            known.setdefault(cell.group, 0)
            if cell.count is None:
                suppressed.setdefault(cell.group, []).append(reply.node.node_id)
            else:
                known[cell.group] += cell.count
    cells = tuple(FederatedCell(g, known[g], tuple(suppressed.get(g, ()))) for g in sorted(known))
    excluded = tuple((r.node.node_id, r.flag, r.message) for r in replies if r.flag is not NodeFlag.OK)
    return FederatedCount(measure, by, cells, tuple(answered), excluded)
