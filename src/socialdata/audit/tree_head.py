"""A signed tree head: the log's size and root at a moment, and the exact bytes the signature covers."""

from __future__ import annotations

import base64
import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from socialdata.audit.signing import PublicKey, public_key_of

# Domain separation: these signatures can never be mistaken for signatures over anything else.
_CONTEXT = b"socialdata audit tree head v1\n"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_millis(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def from_millis(millis: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=millis)


def tree_head_message(tree_size: int, timestamp: dt.datetime, root_hash: bytes) -> bytes:
    """Context || uint64 tree size || uint64 milliseconds since the epoch || 32-byte root, big-endian."""
    return _CONTEXT + struct.pack(">QQ", tree_size, to_millis(timestamp)) + root_hash


@dataclass(frozen=True)
class SignedTreeHead:
    tree_size: int
    root_hash: bytes
    timestamp: dt.datetime
    signature: bytes
    key_id: str

    def signature_valid(self, public: PublicKey) -> bool:
        if self.key_id != public.key_id:
            return False
        try:
            public.verifier().verify(self.signature, tree_head_message(self.tree_size, self.timestamp, self.root_hash))
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "timestamp_ms": to_millis(self.timestamp),
            "signature": base64.b64encode(self.signature).decode(),
            "key_id": self.key_id,
        }


def sign_tree_head(key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, when: dt.datetime) -> SignedTreeHead:
    """Signs at millisecond precision, the precision the head is stored and published with."""
    timestamp = from_millis(to_millis(when))
    signature = key.sign(tree_head_message(tree_size, timestamp, root_hash))
    return SignedTreeHead(tree_size, root_hash, timestamp, signature, public_key_of(key).key_id)
