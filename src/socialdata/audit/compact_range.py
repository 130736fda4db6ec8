"""The compact range (frontier) of a log: the roots of the perfect subtrees covering leaves [0, size).

Stored with each signed tree head, it lets the next head be computed from the new leaves alone, without rehashing
the whole log: appending is amortised O(1) hashes and the root is O(log n).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from socialdata.audit.merkle import EMPTY_ROOT, node_hash

# Told of every perfect subtree completed by an append: (level, index at that level, hash); level 1 joins two leaves.
NodeSink = Callable[[int, int, bytes], None]


@dataclass
class CompactRange:
    """Perfect-subtree roots, largest (leftmost) first; there is one per set bit of `size`."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != self.size.bit_count():
            raise ValueError(f"a compact range of size {self.size} needs {self.size.bit_count()} hashes")

    def append(self, leaf_hash: bytes, on_node: NodeSink | None = None) -> None:
        self.hashes.append(leaf_hash)
        carry, level = self.size, 0
        while carry & 1:
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            carry >>= 1
            level += 1
            if on_node:
                on_node(level, self.size >> level, self.hashes[-1])
        self.size += 1

    def extend(self, leaf_hashes: Iterable[bytes], on_node: NodeSink | None = None) -> None:
        for h in leaf_hashes:
            self.append(h, on_node)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r

    def subtree_spans(self) -> list[tuple[int, int]]:
        """The leaf ranges [lo, hi) each hash covers, in the same order: where two frontiers differ, so do leaves."""
        spans, lo = [], 0
        for bit in reversed(range(self.size.bit_length())):
            if self.size >> bit & 1:
                spans.append((lo, lo + (1 << bit)))
                lo += 1 << bit
        return spans

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.hashes))
