"""The Merkle tree, its proofs and their checks agree with the RFC 6962 vectors and hold for every small tree."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialdata.audit.compact_range import CompactRange
from socialdata.audit.merkle import EMPTY_ROOT, consistency_proof, inclusion_proof, leaf_hash, node_hash, root
from socialdata.audit.proof_check import verify_consistency, verify_inclusion

# Leaves, roots and proofs from the certificate-transparency test suite (transparency-dev/merkle proof/verify_test.go).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
# (first size, second size, consistency proof)
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
HASHES = [leaf_hash(leaf) for leaf in LEAVES]
OTHER = hashlib.sha256(b"something else").digest()


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert CompactRange().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_vectors(size: int) -> None:
    assert root(HASHES[:size]).hex() == ROOTS[size - 1]
    frontier = CompactRange()
    frontier.extend(HASHES[:size])
    assert frontier.root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_vectors(index: int, size: int, path: list[str]) -> None:
    assert _hex(inclusion_proof(HASHES[:size], index)) == path
    proof = [bytes.fromhex(p) for p in path]
    rt = bytes.fromhex(ROOTS[size - 1])
    assert verify_inclusion(index, size, HASHES[index], proof, rt)
    assert not verify_inclusion(index + 1, size, HASHES[index], proof, rt)
    assert not verify_inclusion(index, size * 2, HASHES[index], proof, rt)
    assert not verify_inclusion(index, size, HASHES[index], [*proof, rt], rt)
    assert not verify_inclusion(index, size, HASHES[index], [rt, *proof], rt)
    assert not verify_inclusion(index, size, HASHES[index], proof[:-1], rt)
    assert not verify_inclusion(index, size, HASHES[index], proof, EMPTY_ROOT)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_vectors(first: int, second: int, path: list[str]) -> None:
    assert _hex(consistency_proof(HASHES[:second], first)) == path
    proof = [bytes.fromhex(p) for p in path]
    r1, r2 = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    assert verify_consistency(first, second, r1, r2, proof)
    assert not verify_consistency(first, second, r2, r1, proof)
    assert not verify_consistency(first - 1, second, r1, r2, proof)
    assert not verify_consistency(first + 1, second, r1, r2, proof)
    assert not verify_consistency(first, second * 2, r1, r2, proof)
    assert not verify_consistency(first, second, r1, r2, [])
    assert not verify_consistency(first, second, r1, r2, [*proof, r1])
    assert not verify_consistency(first, second, r1, r2, [proof[0], *proof])
    assert not verify_consistency(first, second, r1, r2, proof[:-1])


def test_trivial_consistency_cases() -> None:
    r1 = root(HASHES[:1])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, OTHER, [])
    assert verify_consistency(1, 1, r1, r1, [])
    assert not verify_consistency(1, 1, r1, OTHER, [])
    assert not verify_consistency(1, 1, r1, r1, [r1])
    assert not verify_consistency(0, 1, EMPTY_ROOT, r1, [EMPTY_ROOT])
    assert not verify_consistency(2, 1, r1, r1, [])


def test_a_hash_of_the_wrong_length_never_verifies() -> None:
    assert not verify_inclusion(0, 1, HASHES[0][:31], [], HASHES[0][:31])
    assert not verify_consistency(1, 2, HASHES[0], root(HASHES[:2]), [HASHES[1] + b"\x00"])


def test_leaves_and_nodes_are_domain_separated() -> None:
    assert leaf_hash(HASHES[0] + HASHES[1]) != node_hash(HASHES[0], HASHES[1])


def _tree(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("size", range(1, 71))
def test_every_proof_of_every_tree_up_to_70_verifies(size: int) -> None:
    leaves = _tree(size)
    rt = root(leaves)
    frontier = CompactRange()
    for index in range(size):
        assert verify_inclusion(index, size, leaves[index], inclusion_proof(leaves, index), rt)
    for first in range(size + 1):
        assert verify_consistency(first, size, frontier.root(), rt, consistency_proof(leaves, first))
        frontier.extend(leaves[first : first + 1])
    assert frontier.root() == rt


def _flip(h: bytes, bit: int) -> bytes:
    return bytes([h[0] ^ (1 << bit), *h[1:]])


@given(st.data())
def test_any_change_to_a_leaf_or_an_inclusion_proof_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 70))
    index = data.draw(st.integers(0, size - 1))
    leaves = _tree(size)
    rt, proof = root(leaves), inclusion_proof(leaves, index)
    bit = data.draw(st.integers(0, 7))
    assert not verify_inclusion(index, size, _flip(leaves[index], bit), proof, rt)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else None
    if other is not None:
        assert not verify_inclusion(other, size, leaves[index], proof, rt)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(index, size, leaves[index], bad, rt)
        assert not verify_inclusion(index, size, leaves[index], proof[:at] + proof[at + 1 :], rt)


@given(st.data())
def test_any_change_to_a_tree_or_a_consistency_proof_fails(data: st.DataObject) -> None:
    second = data.draw(st.integers(2, 70))
    first = data.draw(st.integers(1, second - 1))
    leaves = _tree(second)
    r1, r2, proof = root(leaves[:first]), root(leaves), consistency_proof(leaves, first)
    changed = data.draw(st.integers(0, second - 1))
    altered = [*leaves[:changed], OTHER, *leaves[changed + 1 :]]
    bit = data.draw(st.integers(0, 7))
    if changed < first:  # history rewritten: no proof joins the old signed root to the new tree
        assert not verify_consistency(first, second, r1, root(altered), consistency_proof(altered, first))
    at = data.draw(st.integers(0, len(proof) - 1))
    bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
    assert not verify_consistency(first, second, r1, r2, bad)
    assert not verify_consistency(first, second, r1, root(altered), proof)
