"""The Merkle tree against the RFC 6962 definition, with Hypothesis properties for the proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa.ledger import merkle


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(n)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 §2.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _flip_bit(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


sizes = st.integers(min_value=1, max_value=64)


def test_it_hashes_leaves_and_nodes_with_domain_separation():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 100])
def test_it_matches_the_recursive_definition(n):
    leaves = _leaves(n)
    assert merkle.root(leaves) == _reference_root(leaves)


def test_it_matches_a_known_vector():
    # Two leaves "a" and "b": the root is H(0x01 || H(0x00 a) || H(0x00 b)).
    a, b = hashlib.sha256(b"\x00a").digest(), hashlib.sha256(b"\x00b").digest()
    expected = hashlib.sha256(b"\x01" + a + b).hexdigest()
    assert merkle.root([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")]).hex() == expected


def test_it_resumes_a_frontier():
    leaves = _leaves(45)
    frontier = merkle.Frontier()
    frontier.extend(leaves[:20])
    resumed = merkle.Frontier(frontier.size, frontier.nodes)
    resumed.extend(leaves[20:])
    assert resumed.root() == _reference_root(leaves)


def test_it_refuses_a_frontier_of_the_wrong_shape():
    with pytest.raises(ValueError, match="3 leaves has 2 nodes"):
        merkle.Frontier(3, [b"x"])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=sizes)
def test_it_verifies_every_inclusion_proof(data, n):
    leaves = _leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    assert merkle.verify_inclusion(leaves[index], index, n, proof, root)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=sizes)
def test_it_rejects_an_inclusion_proof_with_one_bit_changed(data, n):
    leaves = _leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    target = data.draw(st.sampled_from(["leaf", "root", *range(len(proof))]))
    leaf = _flip_bit(leaves[index], bit) if target == "leaf" else leaves[index]
    bad_root = _flip_bit(root, bit) if target == "root" else root
    bad_proof = list(proof)
    if isinstance(target, int):
        bad_proof[target] = _flip_bit(proof[target], bit)
    assert not merkle.verify_inclusion(leaf, index, n, bad_proof, bad_root)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=sizes)
def test_it_verifies_every_consistency_proof(data, n):
    leaves = _leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_proof(leaves, m)
    assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), merkle.root(leaves), proof)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=64))
def test_it_rejects_a_consistency_proof_with_one_bit_changed(data, n):
    leaves = _leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    root_m, root_n = merkle.root(leaves[:m]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, m)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    target = data.draw(st.sampled_from(["first", "second", *range(len(proof))]))
    if target == "first":
        root_m = _flip_bit(root_m, bit)
    elif target == "second":
        root_n = _flip_bit(root_n, bit)
    else:
        proof = list(proof)
        proof[target] = _flip_bit(proof[target], bit)
    assert not merkle.verify_consistency(m, n, root_m, root_n, proof)


def test_it_rejects_a_changed_leaf_under_a_consistency_proof():
    leaves = _leaves(10)
    old = merkle.root(leaves[:6])
    leaves[3] = merkle.leaf_hash(b"rewritten")
    proof = merkle.consistency_proof(leaves, 6)
    assert not merkle.verify_consistency(6, 10, old, merkle.root(leaves), proof)


def test_it_checks_every_m_and_n_up_to_64_exhaustively():
    leaves = _leaves(64)
    roots = [merkle.root(leaves[:size]) for size in range(65)]
    for n in range(1, 65):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
        for index in range(n):
            proof = merkle.inclusion_proof(leaves[:n], index)
            assert merkle.verify_inclusion(leaves[index], index, n, proof, roots[n]), (index, n)


def test_it_refuses_proofs_outside_the_tree():
    leaves = _leaves(4)
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(leaves, 4)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(leaves, 0)
    assert not merkle.verify_inclusion(leaves[0], 5, 4, [], merkle.root(leaves))
    assert not merkle.verify_consistency(3, 2, b"", b"", [])
    assert not merkle.verify_consistency(2, 4, merkle.root(leaves[:2]), merkle.root(leaves), [])


def test_it_verifies_every_proof_for_every_size_up_to_64_exhaustively():
    """Not sampled: every index of every tree n ≤ 64, and every pair m ≤ n ≤ 64."""
    all_leaves = _leaves(64)
    roots = [merkle.root(all_leaves[:size]) for size in range(1, 65)]
    for n in range(1, 65):
        leaves = all_leaves[:n]
        for index in range(n):
            proof = merkle.inclusion_proof(leaves, index)
            assert merkle.verify_inclusion(leaves[index], index, n, proof, roots[n - 1])
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(leaves, m)
            assert merkle.verify_consistency(m, n, roots[m - 1], roots[n - 1], proof), (m, n)


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 200), pieces=st.lists(st.integers(0, 70), max_size=6))
def test_extending_by_many_leaves_gives_the_nodes_of_appending_one_by_one(start, pieces):
    leaves = _leaves(start + sum(pieces))
    one_by_one = merkle.Frontier()
    for leaf in leaves:
        one_by_one.append(leaf)
    extended = merkle.Frontier()
    for leaf in leaves[:start]:
        extended.append(leaf)
    at = start
    for count in pieces:
        extended.extend(leaves[at : at + count])
        at += count
    assert (extended.size, extended.nodes) == (one_by_one.size, one_by_one.nodes)
    assert extended.root() == _reference_root(leaves)
