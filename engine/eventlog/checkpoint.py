"""Checkpoints: small statements of a log's prefix, exported to a file and checked later.

A checkpoint names the last record it covers (``seq``), that record's chain hash (``head``) and
the Merkle roots of the segments sealed by then. ``verify_log(checkpoint=...)`` later proves the
log still starts with exactly those records, which catches truncation at a record boundary and
a wholesale, self-consistent rewrite that the chain alone cannot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from engine.atomic import write_bytes_atomic
from engine.errors import LineageError, LogIntegrityError
from engine.eventlog.reader import verify_log

FORMAT = "lineage-eventlog-checkpoint/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class CheckpointError(LineageError):
    """A checkpoint file is missing or malformed; the message names the file and field."""


def checkpoint_of(directory: str | Path) -> dict[str, Any]:
    """Checkpoint of an existing log's complete records, without opening it for writing.

    Verifies the log deeply first; a torn final record is left out (it is not yet a record), any
    other damage raises ``LogIntegrityError``.
    """
    report = verify_log(directory)
    if report.error is not None:
        raise LogIntegrityError(report.error, index=report.first_bad)
    return {"seq": report.records - 1, "head": report.head, "sealed_merkle_roots": report.merkle_roots}


def export_checkpoint(checkpoint: dict[str, Any], path: str | Path) -> Path:
    """Write ``checkpoint`` as JSON to ``path`` atomically and return the path."""
    path = Path(path)
    _validate(checkpoint, str(path))
    body = {"format": FORMAT, **{k: checkpoint[k] for k in ("seq", "head", "sealed_merkle_roots")}}
    write_bytes_atomic(path, (json.dumps(body, indent=1, sort_keys=True) + "\n").encode())
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint file written by ``export_checkpoint``."""
    path = Path(path)
    try:
        body = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no checkpoint file here") from None
    except ValueError as exc:
        raise CheckpointError(f"{path}: not JSON ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        got = body.get("format") if isinstance(body, dict) else type(body).__name__
        raise CheckpointError(f"{path}: field format: expected {FORMAT!r}, got {got!r}")
    _validate(body, str(path))
    return {k: body[k] for k in ("seq", "head", "sealed_merkle_roots")}


def _validate(checkpoint: dict[str, Any], where: str) -> None:
    seq, head, roots = (checkpoint.get(k) for k in ("seq", "head", "sealed_merkle_roots"))
    if type(seq) is not int or seq < -1:
        raise CheckpointError(f"{where}: field seq: expected an integer >= -1, got {seq!r}")
    if not isinstance(head, str) or not _HEX64.match(head):
        raise CheckpointError(f"{where}: field head: expected 64 lowercase hex digits, got {head!r}")
    if not isinstance(roots, list):
        raise CheckpointError(f"{where}: field sealed_merkle_roots: expected a list, got {roots!r}")
    for i, root in enumerate(roots):
        if not isinstance(root, str) or not _HEX64.match(root):
            raise CheckpointError(
                f"{where}: field sealed_merkle_roots[{i}]: expected 64 lowercase hex digits, got {root!r}"
            )
