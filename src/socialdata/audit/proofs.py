"""Inclusion and consistency proofs served from the stored log, checked against what a client may ask for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdata.audit.heads import latest_tree_head
from socialdata.audit.merkle import consistency_path, inclusion_path
from socialdata.audit.tree_nodes import StoredTree
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import AuditLeaf


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: list[bytes]
    root_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "audit_path": [h.hex() for h in self.audit_path],
            "root_hash": self.root_hash.hex(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "first_root": self.first_root.hex(),
            "second_root": self.second_root.hex(),
            "consistency_path": [h.hex() for h in self.proof],
        }


def _log_size(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(AuditLeaf.leaf_index) + 1, 0))) or 0)


def _signed_size(session: Session, requested: int | None, name: str) -> int:
    """The requested tree size, or the latest signed head's; never beyond the leaves sequenced so far."""
    if requested is None:
        head = latest_tree_head(session)
        if head is None:
            raise UserError("no signed tree head has been issued yet", where=name)
        return head.tree_size
    size = _log_size(session)
    if not 0 <= requested <= size:
        raise UserError(f"{requested} is outside the log, which holds {size} events", where=name)
    return requested


def prove_inclusion(db: Database, leaf_index: int, tree_size: int | None = None) -> InclusionProof:
    """The audit path for a leaf in the tree of `tree_size` (default: the latest signed head)."""
    with db.session() as session:
        size = _signed_size(session, tree_size, "tree_size")
        if not 0 <= leaf_index < size:
            raise UserError(f"{leaf_index} is not a leaf of a tree of size {size} (0..{size - 1})", where="leaf_index")
        tree = StoredTree(session)
        path = inclusion_path(size, leaf_index, tree.root)
        return InclusionProof(leaf_index, size, tree.root(leaf_index, leaf_index + 1), path, tree.root(0, size))


def prove_consistency(db: Database, first: int, second: int | None = None) -> ConsistencyProof:
    """Proof that the tree of size `first` is a prefix of the tree of `second` (default: the latest signed head)."""
    with db.session() as session:
        size = _signed_size(session, second, "second")
        if not 0 <= first <= size:
            raise UserError(f"{first} must be between 0 and the second size, {size}", where="first")
        tree = StoredTree(session)
        path = consistency_path(first, size, tree.root)
        return ConsistencyProof(first, size, tree.root(0, first), tree.root(0, size), path)
