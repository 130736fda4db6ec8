"""Issuing signed tree heads over the sequenced leaves, cheaply: each head stores its compact range, so the next one
hashes only new leaves (and stores the large subtrees they complete, for proofs)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdata.audit.compact_range import CompactRange
from socialdata.audit.errors import AuditIntegrityError
from socialdata.audit.sequencer import sequence_pending
from socialdata.audit.signing import PublicKey, load_signing_key, public_key_of
from socialdata.audit.tree_head import SignedTreeHead, sign_tree_head
from socialdata.audit.tree_nodes import NodeCollector
from socialdata.store import Database
from socialdata.store.models import AuditLeaf, AuditTreeHead
from socialdata.store.types import utcnow


def head_from_record(record: AuditTreeHead) -> SignedTreeHead:
    return SignedTreeHead(record.tree_size, record.root_hash, record.timestamp, record.signature, record.key_id)


def _latest_record(session: Session) -> AuditTreeHead | None:
    newest = select(AuditTreeHead).order_by(AuditTreeHead.tree_size.desc(), AuditTreeHead.id.desc()).limit(1)
    return session.scalars(newest).first()


def latest_tree_head(session: Session) -> SignedTreeHead | None:
    record = _latest_record(session)
    return head_from_record(record) if record else None


def stored_frontier(record: AuditTreeHead) -> CompactRange | None:
    """The head's stored compact range, or None unless it is well formed and reproduces the head's own root."""
    try:
        frontier = CompactRange(record.tree_size, [bytes.fromhex(h) for h in record.frontier])
    except (ValueError, TypeError):
        return None
    return frontier if frontier.root() == record.root_hash else None


def _extendable_frontier(last: AuditTreeHead | None, public: PublicKey) -> CompactRange:
    """Where the next head starts: the last head's compact range, once its signature and root check out."""
    if last is None:
        return CompactRange()
    name = f"tree head #{last.id} (size {last.tree_size})"
    if not head_from_record(last).signature_valid(public):
        raise AuditIntegrityError(f"{name} is not signed by this log's key")
    frontier = stored_frontier(last)
    if frontier is None:
        raise AuditIntegrityError(f"{name} does not match its stored frontier")
    return frontier


def issue_tree_head(db: Database, key: Ed25519PrivateKey | None = None) -> SignedTreeHead:
    """Sequence every committed event, then sign the tree of all sequenced leaves and store the head."""
    sequence_pending(db)
    return _sign(db, key or load_signing_key(db.settings.home))


def publish_tree_head(db: Database, key: Ed25519PrivateKey, lookback: int | None = None) -> SignedTreeHead | None:
    """What the web app does periodically: sequence (see `sequence_pending` for `lookback`), then sign a new head only
    if the tree grew (or has none yet)."""
    sequence_pending(db, lookback)
    with db.session() as session:
        last = _latest_record(session)
        size = session.scalar(select(func.coalesce(func.max(AuditLeaf.leaf_index) + 1, 0)))
    if last is not None and size == last.tree_size:
        return None
    return _sign(db, key)


def _sign(db: Database, key: Ed25519PrivateKey) -> SignedTreeHead:
    with db.session() as session:
        frontier = _extendable_frontier(_latest_record(session), public_key_of(key))
        new_leaves = session.execute(
            select(AuditLeaf.leaf_index, AuditLeaf.leaf_hash)
            .where(AuditLeaf.leaf_index >= frontier.size)
            .order_by(AuditLeaf.leaf_index)
        )
        nodes = NodeCollector()
        for index, leaf in new_leaves:
            if index != frontier.size:
                raise AuditIntegrityError(f"leaf index {frontier.size} is missing")
            frontier.append(leaf, nodes)
        nodes.save(session)
        head = sign_tree_head(key, frontier.size, frontier.root(), utcnow())
        session.add(
            AuditTreeHead(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                timestamp=head.timestamp,
                signature=head.signature,
                key_id=head.key_id,
                frontier=[h.hex() for h in frontier.hashes],
            )
        )
    return head
