"""Run directories: deterministic readable ids, reading run files, atomic publication."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from engine.atomic import write_json_atomic as write_json_atomic  # re-exported for older importers
from engine.atomic import write_text_atomic as write_text_atomic
from engine.errors import LineageError

MANIFEST = "manifest.json"
METRICS = "metrics.json"
SUMMARY = "summary.txt"
LOCATOR = "run.json"
EVENTS = "events"


def slug(text: str) -> str:
    """A file-name-safe lower-case slug (``module:EMACross`` -> ``emacross``)."""
    text = text.rsplit(":", 1)[-1]
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower() or "run"


def run_id_base(strategy: str, instrument_id: str, digest: str) -> str:
    """``<strategy>-<instrument>-<manifest digest[:10]>``."""
    return f"{slug(strategy)}-{slug(instrument_id)}-{digest[:10]}"


def read_json(path: Path) -> Any:
    """Read a run file, naming it if it is missing or malformed."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LineageError(
            f"{path}: missing (expected a run directory written by `lineage backtest`)"
        ) from None
    except json.JSONDecodeError as exc:
        raise LineageError(f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}") from None


def staging_dir(out: Path) -> Path:
    """A fresh hidden directory inside ``out`` to build a run in."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".building-", dir=out))


def publish(staging: Path, out: Path, base: str) -> tuple[str, Path]:
    """Rename ``staging`` to ``out/<base>`` or the first free ``<base>-2``, ``-3``, ..."""
    n = 1
    while True:
        run_id = base if n == 1 else f"{base}-{n}"
        target = out / run_id
        if not target.exists():
            try:
                os.rename(staging, target)
                return run_id, target
            except OSError:
                if not target.exists():
                    raise
        n += 1
