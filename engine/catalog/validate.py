"""Check a normalised source frame before anything is written; measure precision and gaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.catalog.errors import validation_error
from engine.catalog.readers import SourceFrame
from engine.errors import DataValidationError

MAX_PRECISION = 9

_PRICES = {"bars": ("open", "high", "low", "close"), "trades": ("price",), "quotes": ("bid", "ask")}
_SIZES = {"bars": ("volume",), "trades": ("size",), "quotes": ("bid_size", "ask_size")}


def price_columns(kind: str) -> tuple[str, ...]:
    """The price columns of a data kind."""
    return _PRICES[kind]


def size_columns(kind: str) -> tuple[str, ...]:
    """The size/volume columns of a data kind."""
    return _SIZES[kind]


def decimals(values: np.ndarray, cap: int = MAX_PRECISION) -> int:
    """Fewest decimals that represent every value, ignoring binary float noise; at most ``cap``.

    ``46319.0000000001`` counts as 0 decimals and ``2.1790120000000002`` as 6: a value has ``d``
    decimals when ``value * 10**d`` is an integer up to float rounding (relative 1e-13).
    """
    x = np.abs(np.asarray(values, dtype="float64"))
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0
    for d in range(cap + 1):
        scaled = x * 10.0**d
        tol = 1e-12 + scaled * 1e-13
        if np.all(np.abs(scaled - np.rint(scaled)) <= tol):
            return d
    return cap


@dataclass(frozen=True)
class Gaps:
    """Bar gaps: how many spacings exceed one interval and the largest spacing (ns, 0 if none)."""

    count: int
    largest_ns: int


def gaps(ts: np.ndarray, interval_ns: int) -> Gaps:
    """Count spacings between consecutive bar opens that exceed ``interval_ns``."""
    if len(ts) < 2:
        return Gaps(0, 0)
    spacing = np.diff(ts)
    over = spacing[spacing > interval_ns]
    return Gaps(len(over), int(over.max()) if len(over) else 0)


def median_spacing(ts: np.ndarray) -> int:
    """Median spacing (ns) between consecutive timestamps, 0 for fewer than two rows."""
    return int(np.median(np.diff(ts))) if len(ts) > 1 else 0


def _iso(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").isoformat()


def _fail(src: SourceFrame, rows: np.ndarray, field: str, problem: str, expected: str) -> DataValidationError:
    row = int(rows[0])
    more = f" ({len(rows) - 1} more rows like it)" if len(rows) > 1 else ""
    ts = _iso(src.frame["ts"].iloc[row])
    return validation_error(
        src.path, row, field, problem + more, expected, ts=ts, line_offset=src.csv_line_offset
    )


def validate(src: SourceFrame) -> None:
    """Raise ``DataValidationError`` for the first problem found, naming row, timestamp and field.

    Checks, in order: NaN/inf values, timestamp order (bars strictly increasing; ticks
    non-decreasing, trade ids unique), non-positive prices, high < low, open/close outside
    [low, high], negative sizes (tick sizes must be positive, quote sizes non-negative).
    """
    f, kind = src.frame, src.kind
    values = [*price_columns(kind), *size_columns(kind)]
    for col in values:
        bad = np.flatnonzero(~np.isfinite(f[col].to_numpy()))
        if len(bad):
            raise _fail(src, bad, col, f"value {f[col].iloc[bad[0]]} is not finite", "a finite number")
    ts = f["ts"].to_numpy()
    step = np.diff(ts)
    back = np.flatnonzero(step < 0) + 1
    if len(back):
        prev = _iso(ts[back[0] - 1])
        raise _fail(src, back, "ts", f"earlier than the previous row ({prev})", "timestamps sorted ascending")
    if kind == "bars":
        dup = np.flatnonzero(step == 0) + 1
        if len(dup):
            raise _fail(src, dup, "ts", "duplicate of the previous row's timestamp", "one bar per timestamp")
    if kind == "trades":
        dup = np.flatnonzero(f["trade_id"].duplicated().to_numpy())
        if len(dup):
            raise _fail(
                src, dup, "trade_id", f"duplicate trade id {f['trade_id'].iloc[dup[0]]}", "unique ids"
            )
    for col in price_columns(kind):
        bad = np.flatnonzero(f[col].to_numpy() <= 0)
        if len(bad):
            raise _fail(src, bad, col, f"price {f[col].iloc[bad[0]]} is not positive", "a price > 0")
    if kind == "bars":
        high, low = f["high"].to_numpy(), f["low"].to_numpy()
        bad = np.flatnonzero(high < low)
        if len(bad):
            raise _fail(src, bad, "high", f"high {high[bad[0]]} < low {low[bad[0]]}", "high >= low")
        for col in ("open", "close"):
            v = f[col].to_numpy()
            bad = np.flatnonzero((v < low) | (v > high))
            if len(bad):
                i = bad[0]
                raise _fail(
                    src,
                    bad,
                    col,
                    f"{col} {v[i]} outside [low {low[i]}, high {high[i]}]",
                    "low <= value <= high",
                )
    if kind == "quotes":
        bid, ask = f["bid"].to_numpy(), f["ask"].to_numpy()
        bad = np.flatnonzero(bid > ask)
        if len(bad):
            raise _fail(src, bad, "bid", f"bid {bid[bad[0]]} above ask {ask[bad[0]]}", "bid <= ask")
    for col in size_columns(kind):
        v = f[col].to_numpy()
        positive = kind == "trades"
        bad = np.flatnonzero(v <= 0 if positive else v < 0)
        if len(bad):
            expected = "a size > 0" if positive else "a value >= 0"
            raise _fail(
                src, bad, col, f"{col} {v[bad[0]]} is {'not positive' if positive else 'negative'}", expected
            )
