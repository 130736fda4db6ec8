"""RFC 6962 Merkle tree hashes and proofs (RFC 9162 §2.1), computed from a list of leaf hashes.

The tree over n leaves splits at k, the largest power of two below n; leaves hash as SHA-256(0x00 || leaf) and interior
nodes as SHA-256(0x01 || left || right), so a leaf can never be passed off as a node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# MTH of the leaves [lo, hi): proofs are built from these, whether the leaves are in memory or in the database.
SubtreeRoot = Callable[[int, int], bytes]


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2): where the tree over n leaves splits."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH of leaves [lo, hi), bottom-up: pairing neighbours and carrying an odd last node up gives the same tree."""
    if hi <= lo:
        return EMPTY_ROOT
    level = list(leaf_hashes[lo:hi])
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of the whole list; the empty tree hashes to SHA-256 of nothing."""
    return subtree_root(leaf_hashes, 0, len(leaf_hashes))


def inclusion_path(size: int, index: int, subtree: SubtreeRoot) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1: the sibling subtree hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + split_point(hi - lo)
        if index < mid:
            path.append(subtree(mid, hi))
            hi = mid
        else:
            path.append(subtree(lo, mid))
            lo = mid
    path.reverse()
    return path


def consistency_path(first: int, size: int, subtree: SubtreeRoot) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2 that the tree of `first` leaves is a prefix of the tree of `size`.

    Empty when first is 0 or the whole size: every tree extends the empty tree, and itself.
    """
    if not 0 <= first <= size:
        raise ValueError(f"first size {first} is outside 0..{size}")
    if first in (0, size):
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, size, first, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(subtree(lo, hi))
    proof.reverse()
    return proof


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    return inclusion_path(len(leaf_hashes), index, lambda lo, hi: subtree_root(leaf_hashes, lo, hi))


def consistency_proof(leaf_hashes: Sequence[bytes], first: int) -> list[bytes]:
    return consistency_path(first, len(leaf_hashes), lambda lo, hi: subtree_root(leaf_hashes, lo, hi))
