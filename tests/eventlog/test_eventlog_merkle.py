"""The Merkle root's shape, checked against a direct, independent construction."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.eventlog.merkle import merkle_root


def reference(leaves: list[bytes]) -> bytes:
    def node(lo: int, hi: int, width: int) -> bytes:
        # Subtree over leaves[lo:lo+width] of a tree whose odd levels repeat their last node.
        if width == 1:
            return hashlib.sha256(b"\x00" + leaves[min(lo, hi)]).digest()
        half = width // 2
        left = node(lo, hi, half)
        right = node(lo + half, hi, half) if lo + half <= hi else left
        return hashlib.sha256(b"\x01" + left + right).digest()

    width = 1
    while width < len(leaves):
        width *= 2
    return node(0, len(leaves) - 1, width)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40))
def test_root_matches_reference_and_pins_every_leaf(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    assert root == reference(leaves)
    for i in range(len(leaves)):
        changed = [*leaves[:i], bytes(32) if leaves[i] != bytes(32) else b"\x01" * 32, *leaves[i + 1 :]]
        assert merkle_root(changed) != root


def test_empty_and_single() -> None:
    assert merkle_root([]) == bytes(32)
    leaf = b"\x07" * 32
    assert merkle_root([leaf]) == hashlib.sha256(b"\x00" + leaf).digest()
    assert merkle_root([leaf, leaf]) == hashlib.sha256(b"\x01" + merkle_root([leaf]) * 2).digest()
