"""Per-dataset metadata in ``DIR/_lineage/datasets.json`` (atomic writes) and data digests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.atomic import write_text_atomic

META_DIR = "_lineage"
META_FILE = "datasets.json"
FORMAT_VERSION = 1


def meta_path(catalog_dir: str | Path) -> Path:
    """Path of the dataset metadata file of a catalog."""
    return Path(catalog_dir) / META_DIR / META_FILE


def read_datasets(catalog_dir: str | Path) -> dict[str, dict[str, Any]]:
    """All dataset entries keyed by dataset key (empty when the catalog has none)."""
    path = meta_path(catalog_dir)
    if not path.exists():
        return {}
    return json.loads(path.read_text())["datasets"]


def write_datasets(catalog_dir: str | Path, datasets: dict[str, dict[str, Any]]) -> None:
    """Replace the metadata file atomically (temp file in the same folder, fsync, rename)."""
    path = meta_path(catalog_dir)
    body = json.dumps({"version": FORMAT_VERSION, "datasets": datasets}, indent=2, sort_keys=True)
    write_text_atomic(path, body + "\n", prefix=".datasets-")


def digest_rows(
    ts_event: np.ndarray,
    ts_init: np.ndarray,
    columns: dict[str, np.ndarray],
    precisions: dict[str, int],
) -> str:
    """SHA-256 over the imported rows as written: timestamps (int64 LE) and each column's values.

    Numeric columns are rounded to their precision and hashed as float64 LE; text columns (trade id,
    side) as UTF-8 joined by NUL. Column names are part of the hash; instrument names are not, so
    the same data imported under another symbol has the same digest.
    """
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(ts_event, dtype="<i8").tobytes())
    h.update(np.ascontiguousarray(ts_init, dtype="<i8").tobytes())
    for name in sorted(columns):
        values = columns[name]
        h.update(f"|{name}|".encode())
        if name in precisions:
            rounded = np.round(np.asarray(values, dtype="float64"), precisions[name]) + 0.0
            h.update(np.ascontiguousarray(rounded, dtype="<f8").tobytes())
        else:
            h.update("\0".join(map(str, values)).encode())
    return h.hexdigest()


def combine_digests(digests: list[str]) -> str:
    """A dataset's digest: its single import's digest, or SHA-256 over the imports' digests in time order."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def iso(ns: int) -> str:
    """ISO-8601 UTC text of a nanosecond timestamp."""
    return pd.Timestamp(int(ns), tz="UTC").isoformat()
