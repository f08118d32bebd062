"""Atomic file writes: a temp file in the target's folder, fsync, rename, fsync the folder."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def fsync_path(path: str | Path) -> None:
    """fsync a file or directory by path (a directory's fsync makes a rename in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes, *, prefix: str | None = None) -> Path:
    """Write ``data`` to ``path`` all-or-nothing and return the path.

    The bytes go to a hidden temp file (``prefix``, default ``.<name>.``) in the same folder,
    which is created if missing; the file is fsynced, renamed over ``path`` and the folder fsynced.
    On any failure the temp file is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)
    return path


def write_text_atomic(path: str | Path, text: str, *, prefix: str | None = None) -> Path:
    """``text`` as UTF-8, written atomically (see ``write_bytes_atomic``)."""
    return write_bytes_atomic(path, text.encode("utf-8"), prefix=prefix)


def write_json_atomic(path: str | Path, value: Any) -> Path:
    """Pretty, key-sorted JSON (two-space indent, final newline) written atomically."""
    return write_text_atomic(path, json.dumps(value, indent=2, sort_keys=True) + "\n")
