"""Records into people: strongest links merged first, a merge refused when it would join clearly different people.

Connected components chain unrelated people through a run of weak links across a common name. Here a link joins
two clusters only if no pair across them is known to be different people (different valid NHS numbers, possible
twins, different birth date and given name, a steward's NON_MATCH), and a cluster never holds two NHS
numbers more than a typo apart. Steward MATCH decisions are merged first, unconditionally.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from socialdata.linkage.comparisons import one_edit_apart
from socialdata.linkage.features import MISSING, Codes


@dataclass(frozen=True)
class RefusedMerge:
    """A link that was not applied, and why (for the conflict list and the steward)."""

    edge: int  # index into the edges given to `cluster`
    reason: str


@dataclass(frozen=True)
class Clustering:
    root: npt.NDArray[np.int64]  # per row: a representative row of its cluster
    accepted: npt.NDArray[np.bool_]  # per edge: whether it merged (or was already within) one cluster
    refused: tuple[RefusedMerge, ...]


class _Clusters:
    def __init__(self, nhs: Codes, nhs_text: npt.NDArray[np.object_]) -> None:
        n = len(nhs)
        self.nhs_text = nhs_text
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}
        self.nhs = nhs.tolist()
        self.nhs_row = list(range(n))  # the row whose NHS number stands for the cluster

    def find(self, row: int) -> int:
        parent = self.parent
        root = row
        while parent[root] != root:
            root = parent[root]
        while parent[row] != root:
            parent[row], row = root, parent[row]
        return root

    def rows_of(self, root: int) -> list[int]:
        return self.members.get(root, [root])

    def union(self, a: int, b: int) -> None:
        small, large = (a, b) if len(self.rows_of(a)) < len(self.rows_of(b)) else (b, a)
        merged = self.rows_of(large) + self.rows_of(small)
        self.members.pop(small, None)
        self.members[large] = merged
        self.parent[small] = large
        if self.nhs[large] == MISSING:
            self.nhs[large] = self.nhs[small]
            self.nhs_row[large] = self.nhs_row[small]


def cluster(
    n: int,
    nhs: Codes,
    nhs_text: npt.NDArray[np.object_],
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    must_link: npt.NDArray[np.bool_],
    cannot_left: npt.NDArray[np.int64],
    cannot_right: npt.NDArray[np.int64],
) -> Clustering:
    """Applies the edges in the given order (strongest first), must-link edges before all others."""
    clusters = _Clusters(nhs, nhs_text)
    vetoes: dict[int, set[int]] = defaultdict(set)
    for a, b in zip(cannot_left.tolist(), cannot_right.tolist(), strict=True):
        vetoes[a].add(b)
        vetoes[b].add(a)
    accepted = np.zeros(len(left), dtype=bool)
    refused: list[RefusedMerge] = []
    order = np.r_[np.flatnonzero(must_link), np.flatnonzero(~must_link)]
    left_list, right_list, forced = left.tolist(), right.tolist(), must_link.tolist()
    for edge in order.tolist():
        ra, rb = clusters.find(left_list[edge]), clusters.find(right_list[edge])
        if ra == rb:
            accepted[edge] = True
            continue
        if not forced[edge]:
            reason = _objection(clusters, vetoes, ra, rb)
            if reason is not None:
                refused.append(RefusedMerge(edge, reason))
                continue
        clusters.union(ra, rb)
        accepted[edge] = True
    root = np.array([clusters.find(row) for row in range(n)], dtype=np.int64)
    return Clustering(root, accepted, tuple(refused))


def _objection(clusters: _Clusters, vetoes: dict[int, set[int]], ra: int, rb: int) -> str | None:
    nhs_a, nhs_b = clusters.nhs[ra], clusters.nhs[rb]
    if nhs_a != MISSING and nhs_b != MISSING and nhs_a != nhs_b:
        text = clusters.nhs_text
        if not one_edit_apart(text[clusters.nhs_row[ra]], text[clusters.nhs_row[rb]]):
            return "different NHS numbers"
    small, large = (ra, rb) if len(clusters.rows_of(ra)) < len(clusters.rows_of(rb)) else (rb, ra)
    for row in clusters.rows_of(small):
        for other in vetoes.get(row, ()):
            if clusters.find(other) == large:
                return "a record pair across the two is clearly different people"
    return None
