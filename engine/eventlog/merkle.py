"""Merkle roots over a sealed segment's chain hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Binary SHA-256 Merkle root; an odd node is paired with itself; empty -> 32 zero bytes.

    Leaves are hashed as ``sha256(0x00 + leaf)`` and inner nodes as ``sha256(0x01 + left + right)``
    so a leaf can never be passed off as an inner node.
    """
    if not leaves:
        return bytes(32)
    sha256 = hashlib.sha256
    level = [sha256(b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        pairs = iter(level)
        level = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
    return level[0]
