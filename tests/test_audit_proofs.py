"""Proofs served from the store (stored subtree hashes plus leaves) are exactly the RFC 6962 proofs over all leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from socialdata.audit import (
    PublicKey,
    append_events,
    issue_tree_head,
    load_signing_key,
    prove_consistency,
    prove_inclusion,
    public_key_of,
    sequence_pending,
    verify_log,
)
from socialdata.audit.canonical import event_leaf_hash
from socialdata.audit.merkle import consistency_proof, inclusion_proof, root
from socialdata.audit.proof_check import verify_inclusion
from socialdata.audit.samples import sample_events
from socialdata.store import Database
from socialdata.store.models import AuditTreeNode

EVENTS = sample_events(700, seed=41)
LEAVES = [event_leaf_hash(e) for e in EVENTS]


@pytest.fixture
def public(db: Database) -> PublicKey:
    """700 events, signed at 600: subtrees [0, 256), [256, 512) and [0, 512) are stored, the rest is not."""
    key = load_signing_key(db.settings.home)
    with db.session() as s:
        append_events(s, EVENTS[:600])
    issue_tree_head(db, key)
    with db.session() as s:
        append_events(s, EVENTS[600:])
    sequence_pending(db)
    return public_key_of(key)


def test_heads_store_the_large_subtrees_they_complete(db: Database, public: PublicKey) -> None:
    with db.session() as s:
        stored = {(n.level, n.node_index): n.hash for n in s.scalars(select(AuditTreeNode))}
    assert stored == {(8, 0): root(LEAVES[:256]), (8, 1): root(LEAVES[256:512]), (9, 0): root(LEAVES[:512])}


def test_stored_proofs_equal_proofs_over_all_leaves(db: Database, public: PublicKey) -> None:
    for size in (1, 2, 255, 256, 257, 511, 512, 513, 600, 700):
        leaves = LEAVES[:size]
        for index in sorted({0, 1, 255, 256, 300, size // 2, size - 1}):
            if index < size:
                proof = prove_inclusion(db, index, size)
                assert proof.audit_path == inclusion_proof(leaves, index), (index, size)
                assert (proof.leaf_hash, proof.root_hash) == (leaves[index], root(leaves))
        for first in sorted({0, 1, 200, 256, 300, 512, 599, size}):
            if first <= size:
                link = prove_consistency(db, first, size)
                assert link.proof == consistency_proof(leaves, first), (first, size)
                assert (link.first_root, link.second_root) == (root(leaves[:first]), root(leaves))


def test_a_tampered_subtree_hash_spoils_proofs_and_verification_names_it(db: Database, public: PublicKey) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_tree_node SET hash = :h WHERE level = 8 AND node_index = 1"), {"h": b"\x07" * 32}
        )
    proof = prove_inclusion(db, 10, 600)
    assert not verify_inclusion(10, 600, LEAVES[10], proof.audit_path, root(LEAVES[:600]))
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("tree_nodes_differ", 256)]
    assert "covering events 256..511" in report.problems[0].message
