"""Validation and float conversion of the time series the metrics read."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from engine.errors import LineageError


class MetricsError(LineageError):
    """Input to a metrics function is malformed (names the series, row and expectation)."""


def as_float_series(series: pd.Series, name: str, *, positive: bool = False) -> pd.Series:
    """Return ``series`` as float64 on a sorted, unique, UTC DatetimeIndex, or raise ``MetricsError``.

    Decimal (or any numeric-object) values are converted with ``float``. A tz-naive index is taken
    to be UTC. ``positive`` additionally requires every value to be > 0.
    """
    if not isinstance(series, pd.Series):
        raise MetricsError(f"{name}: expected a pandas Series, got {type(series).__name__}")
    if len(series) == 0:
        raise MetricsError(f"{name}: expected at least one row, got an empty series")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise MetricsError(f"{name}: expected a DatetimeIndex (UTC), got {type(series.index).__name__}")
    index = series.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    if index.has_duplicates:
        first = index[index.duplicated()][0]
        raise MetricsError(f"{name}: row at {first.isoformat()} is duplicated; expected unique timestamps")
    if not index.is_monotonic_increasing:
        pos = int(np.argmax(np.diff(index.asi8) < 0)) + 1
        raise MetricsError(
            f"{name}: row {pos} ({index[pos].isoformat()}) is earlier than the row before it; "
            "expected increasing timestamps"
        )
    try:
        values = np.array([float(v) for v in series.to_numpy()], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MetricsError(f"{name}: expected numeric values ({exc})") from exc
    bad = ~np.isfinite(values) | ((values <= 0) if positive else False)
    if bad.any():
        pos = int(np.argmax(bad))
        want = "a finite value > 0" if positive else "a finite number"
        at = index[pos].isoformat()
        raise MetricsError(f"{name}: row {pos} ({at}) is {values[pos]!r}; expected {want}")
    return pd.Series(values, index=index, name=series.name)


def clean(value: float | None) -> float | None:
    """Map NaN/inf to ``None`` and numpy scalars to plain ``float`` (JSON-safe)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
