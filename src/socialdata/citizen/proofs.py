"""The proof that one access to the person's record is in the tamper-evident log, in a form anyone can check without
trusting this server: the event's exact bytes, its leaf hash, the audit path to the root, and the signed tree head
with the key that signed it (the same data /api/audit publishes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from socialdata.access import PersonAccess
from socialdata.audit import Action, latest_tree_head, load_signing_key, prove_inclusion, public_key_of
from socialdata.audit.canonical import canonical_bytes
from socialdata.audit.merkle import leaf_hash
from socialdata.audit.proof_check import verify_inclusion
from socialdata.audit.rows import EVENT_COLUMNS, event_from_row
from socialdata.citizen.own_access import person_ids, refused
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, AuditLeaf


@dataclass(frozen=True)
class EventBytes:
    """The event as hashed into the log (read inside the gate's block)."""

    event_id: int
    canonical: bytes
    leaf_index: int | None


@dataclass(frozen=True)
class EventProof:
    event_id: int
    canonical_json: str
    leaf_hash: str
    leaf_index: int | None
    tree_size: int | None = None
    audit_path: tuple[str, ...] = ()
    root_hash: str | None = None
    tree_head: dict[str, Any] | None = None
    public_key: str | None = None
    key_id: str | None = None
    checked_here: bool = False  # this server ran the same checks (the person need not trust it: they can rerun them)

    @property
    def ready(self) -> bool:
        return self.tree_head is not None


def read_event_bytes(access: PersonAccess, event_id: int, now: dt.datetime) -> EventBytes:
    """One event about this person (else refused, audited, alike whether it exists or is someone else's)."""
    s = access.session
    row = s.get(AuditEventRecord, event_id)
    if row is None or row.patient_id not in person_ids(s, access.person_id):
        raise refused(access, Action.READ, "AuditProof", str(event_id), now, "not an audit event about this person")
    event = event_from_row({name: getattr(row, name) for name in EVENT_COLUMNS})
    leaf = s.scalar(select(AuditLeaf.leaf_index).where(AuditLeaf.event_id == event_id))
    return EventBytes(event_id, canonical_bytes(event), leaf)


def event_proof(db: Database, event: EventBytes) -> EventProof:
    """The inclusion proof against the latest signed tree head (hashes only: built outside the gate's block)."""
    leaf = leaf_hash(event.canonical)
    found = EventProof(event.event_id, event.canonical.decode("utf-8"), leaf.hex(), event.leaf_index)
    with db.session() as s:
        head = latest_tree_head(s)
    if head is None or event.leaf_index is None or event.leaf_index >= head.tree_size:
        return found  # not yet covered by a signed head: the page says to look again in a few seconds
    proof = prove_inclusion(db, event.leaf_index, head.tree_size)
    public = public_key_of(load_signing_key(db.settings.home))
    checked = (
        proof.leaf_hash == leaf
        and verify_inclusion(proof.leaf_index, proof.tree_size, leaf, proof.audit_path, head.root_hash)
        and head.signature_valid(public)
    )
    return EventProof(
        event_id=event.event_id,
        canonical_json=found.canonical_json,
        leaf_hash=found.leaf_hash,
        leaf_index=event.leaf_index,
        tree_size=proof.tree_size,
        audit_path=tuple(h.hex() for h in proof.audit_path),
        root_hash=proof.root_hash.hex(),
        tree_head=head.to_json(),
        public_key=public.base64,
        key_id=public.key_id,
        checked_here=checked,
    )
