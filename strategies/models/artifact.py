"""Artifact files on disk: canonical JSON bytes and stable hashing of a directory tree."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, NaN/inf refused."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def file_digests(directory: Path, exclude: frozenset[str] = frozenset()) -> dict[str, str]:
    """sha256 of every file under ``directory`` keyed by POSIX relative path (sorted)."""
    directory = Path(directory)
    out: dict[str, str] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel in exclude:
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(out.items()))


def tree_digest(directory: Path, exclude: frozenset[str] = frozenset()) -> str:
    """One sha256 over the sorted relative paths and bytes of every file under ``directory``."""
    h = hashlib.sha256()
    directory = Path(directory)
    for rel in file_digests(directory, exclude):
        data = (directory / rel).read_bytes()
        h.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()
