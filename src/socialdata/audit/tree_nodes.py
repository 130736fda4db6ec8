"""Stored subtree hashes: written as heads are issued, read to build proofs without touching every leaf.

Every perfect subtree of 2**8 leaves or more is kept (about one row per 128 events). A subtree hash a proof needs is
then one read; a smaller or not yet stored one is hashed from at most 256 leaf hashes, or split in two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from socialdata.audit.errors import AuditIntegrityError
from socialdata.audit.merkle import EMPTY_ROOT, node_hash, split_point, subtree_root
from socialdata.store.models import AuditLeaf, AuditTreeNode

STORED_LEVEL = 8
_INSERT = text(
    "INSERT INTO audit_tree_node (level, node_index, hash) VALUES (:level, :node_index, :hash) "
    "ON CONFLICT (level, node_index) DO NOTHING"
)


@dataclass
class NodeCollector:
    """Collects the completed subtrees worth storing while a compact range grows (a CompactRange NodeSink)."""

    nodes: list[dict[str, object]] = field(default_factory=list)

    def __call__(self, level: int, index: int, node: bytes) -> None:
        if level >= STORED_LEVEL:
            self.nodes.append({"level": level, "node_index": index, "hash": node})

    def save(self, session: Session) -> None:
        """Idempotent: two heads issued at once store the same (deterministic) nodes."""
        if self.nodes:
            session.execute(_INSERT, self.nodes)


class StoredTree:
    """MTH of any leaf range of the log, from stored subtree hashes where they exist and leaf hashes otherwise."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _leaves(self, lo: int, hi: int) -> list[bytes]:
        rows = self.session.execute(
            select(AuditLeaf.leaf_index, AuditLeaf.leaf_hash)
            .where(AuditLeaf.leaf_index >= lo, AuditLeaf.leaf_index < hi)
            .order_by(AuditLeaf.leaf_index)
        ).all()
        if [index for index, _ in rows] != list(range(lo, hi)):
            raise AuditIntegrityError(f"some of leaves {lo}..{hi - 1} are missing")
        return [leaf for _, leaf in rows]

    def _stored(self, level: int, index: int) -> bytes | None:
        return self.session.scalar(
            select(AuditTreeNode.hash).where(AuditTreeNode.level == level, AuditTreeNode.node_index == index)
        )

    def root(self, lo: int, hi: int) -> bytes:
        size = hi - lo
        if size <= 0:
            return EMPTY_ROOT
        level = size.bit_length() - 1
        if size == 1 << level and lo % size == 0 and level >= STORED_LEVEL:
            stored = self._stored(level, lo >> level)
            if stored is not None:
                return stored
        if size <= 1 << STORED_LEVEL:
            leaves = self._leaves(lo, hi)
            return subtree_root(leaves, 0, len(leaves))
        k = split_point(size)
        return node_hash(self.root(lo, lo + k), self.root(lo + k, hi))
