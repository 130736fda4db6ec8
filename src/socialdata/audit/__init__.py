"""Append-only, tamper-evident audit log: events as leaves of an RFC 6962 Merkle tree, signed tree heads, proofs."""

from socialdata.audit.background import sequencing_in_background
from socialdata.audit.errors import AuditIntegrityError, EventNotFound, EventNotSequenced
from socialdata.audit.events import Action, AuditEvent, Outcome, PurposeOfUse
from socialdata.audit.heads import issue_tree_head, latest_tree_head, publish_tree_head
from socialdata.audit.log import append_event, append_events
from socialdata.audit.proofs import ConsistencyProof, InclusionProof, prove_consistency, prove_inclusion
from socialdata.audit.sequencer import Backlog, leaf_index_of, sequence_pending
from socialdata.audit.signing import PublicKey, load_signing_key, public_key_of
from socialdata.audit.tree_head import SignedTreeHead
from socialdata.audit.verify import Problem, VerificationReport, verify_log

__all__ = [
    "Action",
    "AuditEvent",
    "AuditIntegrityError",
    "Backlog",
    "ConsistencyProof",
    "EventNotFound",
    "EventNotSequenced",
    "InclusionProof",
    "Outcome",
    "Problem",
    "PublicKey",
    "PurposeOfUse",
    "SignedTreeHead",
    "VerificationReport",
    "append_event",
    "append_events",
    "issue_tree_head",
    "latest_tree_head",
    "leaf_index_of",
    "load_signing_key",
    "prove_consistency",
    "prove_inclusion",
    "public_key_of",
    "publish_tree_head",
    "sequence_pending",
    "sequencing_in_background",
    "verify_log",
]
