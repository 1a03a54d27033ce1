"""Merkle trees as in RFC 6962 / RFC 9162 (Certificate Transparency), standard library only.

The standalone verifier imports this module, so it must not import Django or anything else of
Annexa except ``annexa.ledger.format``.

- leaf hash: SHA-256(0x00 || leaf input); the ledger's leaf input is an entry's canonical bytes.
- node hash: SHA-256(0x01 || left || right).
- a tree over n > 1 leaves splits at k, the largest power of two smaller than n: the left
  subtree holds leaves [0, k), the right one [k, n). The root of zero leaves is SHA-256("").

Every function here takes and returns *leaf hashes* and node hashes as 32-byte ``bytes``.
Building is iterative (a compact range of perfect subtrees), so a tree of a million leaves is
rooted in about two million SHA-256 calls and no per-leaf recursion.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof was requested for sizes or indexes that do not exist."""


def leaf_hash(leaf_input: bytes) -> bytes:
    """SHA-256(0x00 || leaf_input)."""
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees that make up a tree of ``size`` leaves (a compact range).

    Appending a leaf costs O(1) amortised hashes; ``root()`` folds at most log2(size) nodes.
    The node list is what a checkpoint keeps so the next one only hashes the new leaves.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != bin(size).count("1"):
            raise ValueError(f"a frontier of {size} leaves has {bin(size).count('1')} nodes")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        node, size = leaf, self.size
        while size & 1:
            node = node_hash(self.nodes.pop(), node)
            size >>= 1
        self.nodes.append(node)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaves: the same nodes as ``append`` one by one, hashed a level at a
        time (one list comprehension per level instead of a loop step per leaf)."""
        level = list(leaves)
        if not level:
            return
        size, self.size = self.size, self.size + len(level)
        sha256, kept, height = hashlib.sha256, [], 0
        while level:
            if size >> height & 1:
                # The frontier's node of this height sits just left of the new ones.
                level.insert(0, self.nodes.pop())
            if len(level) & 1:
                kept.append(level.pop())
            level = [
                sha256(b"\x01" + left + right).digest()
                for left, right in zip(level[::2], level[1::2], strict=True)
            ]
            height += 1
        # Nodes left unpaired, highest first, follow the untouched higher nodes.
        self.nodes.extend(reversed(kept))

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        result = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            result = node_hash(node, result)
        return result


def extend_marking(
    frontier: Frontier,
    leaves: Sequence[bytes],
    sizes: Sequence[int],
    mark: Callable[[Frontier], None],
) -> None:
    """``frontier.extend(leaves)``, calling ``mark(frontier)`` each time it holds one of the
    ascending ``sizes`` (to keep the root or the nodes of a checkpoint on the way)."""
    start, size = 0, frontier.size
    cut = bisect.bisect_right(sizes, size)
    while cut < len(sizes) and sizes[cut] <= size + len(leaves):
        end = sizes[cut] - size
        frontier.extend(leaves[start:end])
        mark(frontier)
        start, cut = end, cut + 1
    frontier.extend(leaves[start:])


def root(leaves: Iterable[bytes]) -> bytes:
    """The Merkle tree hash (MTH) over the given leaf hashes."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def _range_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    frontier = Frontier()
    for i in range(start, end):
        frontier.append(leaves[i])
    return frontier.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree over ``leaves`` (RFC 9162 §2.1.3.1)."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append(_range_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_range_root(leaves, lo, lo + k))
            lo += k
    # Collected from the root down; the proof lists siblings from the leaf up.
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """The proof that the first ``m`` leaves are a prefix of ``leaves`` (RFC 9162 §2.1.4.1)."""
    size = len(leaves)
    if not 0 < m <= size:
        raise ProofError(f"no consistency proof from size {m} to size {size}")
    path: list[bytes] = []
    lo, hi, remaining, complete = 0, size, m, True
    while remaining != hi - lo:
        k = split_point(hi - lo)
        if remaining <= k:
            path.append(_range_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_range_root(leaves, lo, lo + k))
            lo += k
            remaining -= k
            complete = False
    if not complete:
        path.append(_range_root(leaves, lo, hi))
    path.reverse()
    return path


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while not fn & 1 and fn != 0:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with that root."""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == expected_root


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree of ``m`` leaves is a prefix of the tree of ``n``."""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and root_m == root_n
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        # A power-of-two first tree is itself a node of the second; its root starts the path.
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == root_m and second == root_n
