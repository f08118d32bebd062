"""The ``RunStarted`` manifest: everything that determines a run, nothing that varies between
identical runs (no wall-clock time, run id or absolute path), so the same manifest gives the same
chain head. ``manifest_digest`` names it.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from nautilus_trader.model.data import Bar

from engine.eventlog import canonical_bytes

LIBRARIES = ("nautilus_trader", "numpy", "pandas", "pyarrow")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def code_version() -> dict[str, Any]:
    """Package version plus the repository's git commit (and whether tracked files differ)."""
    out: dict[str, Any] = {"package": "lineage", "version": _version("lineage") or _pyproject_version()}
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        out["git_commit"], out["git_dirty"] = commit, bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        out["git_commit"], out["git_dirty"] = None, None
    return out


def _pyproject_version() -> str | None:
    path = REPO_ROOT / "pyproject.toml"
    if not path.is_file():
        return None
    import tomllib

    return tomllib.loads(path.read_text()).get("project", {}).get("version")


def library_versions() -> dict[str, str | None]:
    """Python and the libraries whose behaviour shapes a run."""
    return {"python": platform.python_version(), **{name: _version(name) for name in LIBRARIES}}


def bars_digest(bars: Sequence[Bar]) -> str:
    """SHA-256 over every bar's timestamps and raw fixed-point OHLCV, as the engine will see them
    (bar type and price/size precisions are hashed once, from the first bar)."""
    h = hashlib.sha256()
    if bars:
        first = bars[0]
        h.update(f"{first.bar_type}|{first.close.precision}|{first.volume.precision}\n".encode())
    for b in bars:
        h.update(
            b"%d,%d,%d,%d,%d,%d,%d\n"
            % (b.ts_event, b.ts_init, b.open.raw, b.high.raw, b.low.raw, b.close.raw, b.volume.raw)
        )
    return h.hexdigest()


def manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical bytes."""
    return hashlib.sha256(canonical_bytes(manifest)).hexdigest()
