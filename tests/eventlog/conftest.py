"""Helpers shared by the event log tests: build real logs on disk and locate their frames."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine.eventlog import EventLog
from engine.eventlog.framing import iter_frames
from engine.eventlog.segments import list_segments, segment_path


@dataclass(frozen=True)
class FrameAt:
    """Where record ``seq`` is stored: segment file, byte range."""

    seq: int
    segment: int
    start: int
    end: int


def fill_event(i: int) -> dict[str, Any]:
    """A small payload shaped like an order fill."""
    return {
        "client_order_id": f"O-{i:04d}",
        "last_px": Decimal(f"0.07{i:03d}"),
        "last_qty": Decimal(i + 1),
        "side": "BUY" if i % 2 else "SELL",
        "ts_event": 1_515_542_400_000_000_000 + i,
    }


def write_log(directory: Path, n: int, **options: Any) -> list[tuple[str, dict[str, Any]]]:
    """Create a log of ``n`` fill-like records and return what was appended."""
    events = [("OrderFilled", fill_event(i)) for i in range(n)]
    with EventLog.create(directory, **options) as log:
        for kind, data in events:
            log.append(kind, data)
    return events


def frames(directory: Path) -> list[FrameAt]:
    """Every stored frame, in order, with its global record index."""
    out: list[FrameAt] = []
    for index in list_segments(directory):
        for frame in iter_frames(segment_path(directory, index).read_bytes()):
            out.append(FrameAt(len(out), index, frame.offset, frame.end))
    return out


def plain(value: Any) -> Any:
    """What a payload looks like after a round trip: Decimals as strings, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "log"
