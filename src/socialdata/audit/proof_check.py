"""Checking inclusion and consistency proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe, for any client.

Both return False for anything malformed (wrong hash length, sizes out of order, extra or missing path entries).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from socialdata.audit.merkle import HASH_SIZE, node_hash


def _well_formed(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def verify_inclusion(leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """True when `path` proves the leaf hash `leaf` sits at `leaf_index` in the tree of `tree_size` with `root`."""
    if not 0 <= leaf_index < tree_size or not _well_formed(leaf, root, *path):
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(r, root)


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> bool:
    """True when `path` proves the tree of size `second` with `second_root` extends the one of `first`/`first_root`."""
    if not 0 <= first <= second or not _well_formed(first_root, second_root, *path):
        return False
    if first == 0:
        return not path
    if first == second:
        return not path and _same(first_root, second_root)
    if not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(fr, first_root) and _same(sr, second_root)
