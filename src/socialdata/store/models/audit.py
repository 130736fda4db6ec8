"""The audit log's tables: the events (appended without a lock), the leaves that sequence them into a Merkle tree,
the signed tree heads, stored subtree hashes that make proofs cheap, and the sequencer's counter.

Every table is insert-only except the one-row counter. There are deliberately no foreign keys: the log must outlive,
and never block, changes to the rows it talks about (and `sdf audit verify` must be able to report a leaf whose event
was deleted).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId

# Longest text each event column holds; events are checked against these, so both backends refuse the same values.
AUDIT_TEXT_LIMITS = {
    "username": 100,
    "role": 64,
    "organisation_id": 16,
    "patient_id": 64,
    "entity_type": 64,
    "entity_id": 128,
}


class AuditEventRecord(Base):
    """One audit event as appended (ids are in append order, with gaps); `leaf_hash` is SHA-256(0x00 || canonical JSON
    of the columns), computed by the writer so that the sequencer only copies it."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    recorded_at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    username: Mapped[str] = mapped_column(String(AUDIT_TEXT_LIMITS["username"]))
    role: Mapped[str] = mapped_column(String(AUDIT_TEXT_LIMITS["role"]))
    organisation_id: Mapped[str | None] = mapped_column(String(AUDIT_TEXT_LIMITS["organisation_id"]))
    patient_id: Mapped[str | None] = mapped_column(String(AUDIT_TEXT_LIMITS["patient_id"]), index=True)
    action: Mapped[str] = mapped_column(String(1))
    purpose: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[int] = mapped_column(SmallInteger)
    break_glass: Mapped[bool] = mapped_column(Boolean)
    entity_type: Mapped[str] = mapped_column(String(AUDIT_TEXT_LIMITS["entity_type"]))
    entity_id: Mapped[str] = mapped_column(String(AUDIT_TEXT_LIMITS["entity_id"]))
    detail: Mapped[dict[str, Any]]


class AuditLeaf(Base):
    """An event's place in the tree: leaf indices are contiguous from 0, handed out by the sequencer in commit order."""

    __tablename__ = "audit_leaf"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTreeHead(Base):
    """A signed statement of the log's size and root at a time, with the compact range needed to extend it cheaply."""

    __tablename__ = "audit_tree_head"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp: Mapped[dt.datetime]
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[list[str]]


class AuditSequence(Base):
    """A single row (id 1): the next leaf index. Only the sequencer updates it, in its own short transaction; the row
    lock serialises sequencers, and `sdf audit verify` compares it with the leaves to catch any removed from the end."""

    __tablename__ = "audit_sequence"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    next_leaf_index: Mapped[int] = mapped_column(BigInteger)


class AuditTreeNode(Base):
    """The hash of a perfect subtree of 2**level leaves, stored for level ≥ 8 when heads are issued, so that a proof
    needs a few dozen small reads instead of every leaf hash in the log."""

    __tablename__ = "audit_tree_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
