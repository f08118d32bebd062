"""Bars as plain numpy arrays, and validation of the bars DataFrame contract."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.errors import FeatureError

COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


class Bars:
    """OHLCV float64 arrays plus ``ts`` (int64 ns, the time each bar becomes known).

    A plain slotted class: batch and streaming create one per block or update, so it must be cheap.
    """

    __slots__ = ("close", "high", "low", "open", "ts", "volume")

    def __init__(
        self,
        open: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
        ts: np.ndarray,
    ) -> None:
        self.open, self.high, self.low, self.close, self.volume, self.ts = open, high, low, close, volume, ts

    def __len__(self) -> int:
        return len(self.close)

    def slice(self, start: int, stop: int) -> Bars:
        """Contiguous views of rows ``start:stop``."""
        s = slice(start, stop)
        return Bars(self.open[s], self.high[s], self.low[s], self.close[s], self.volume[s], self.ts[s])


def validate_bars(bars: pd.DataFrame, source: str = "bars") -> Bars:
    """Check the bars contract and return the arrays; raise ``FeatureError`` naming row and field."""
    if not isinstance(bars, pd.DataFrame):
        raise FeatureError(f"{source}: expected a pandas DataFrame, got {type(bars).__name__}")
    idx = bars.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None or str(idx.tz) != "UTC":
        raise FeatureError(
            f"{source}: index must be a tz-aware UTC DatetimeIndex named 'ts' (bar close time)"
        )
    missing = [c for c in COLUMNS if c not in bars.columns]
    if missing:
        raise FeatureError(f"{source}: missing column(s) {missing}; expected {list(COLUMNS)}")
    ts = idx.asi8
    if len(ts) > 1:
        bad = np.flatnonzero(np.diff(ts) <= 0)
        if bad.size:
            i = int(bad[0]) + 1
            raise FeatureError(
                f"{source}: row {i} (ts={idx[i]}): index not strictly increasing, previous ts={idx[i - 1]}"
            )
    arrays = []
    for col in COLUMNS:
        try:
            a = np.ascontiguousarray(bars[col].to_numpy(dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise FeatureError(f"{source}: column '{col}' is not numeric: {exc}") from exc
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            i = int(bad[0])
            raise FeatureError(
                f"{source}: row {i} (ts={idx[i]}), field '{col}': value {a[i]} is not a finite number"
            )
        arrays.append(a)
    return Bars(*arrays, ts=np.ascontiguousarray(ts, dtype=np.int64))
