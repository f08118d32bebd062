"""Down-sampling long series for charts while keeping every bucket's extremes visible."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

DEFAULT_MAX_POINTS = 4000


def minmax_indices(values: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """Sorted positions to keep: all of them if they fit, else first, last and each bucket's min
    and max (NaNs ignored), so at most ``max_points`` positions and every peak and trough stays."""
    n = len(values)
    if max_points < 4:
        raise ValueError(f"max_points: expected at least 4, got {max_points}")
    if n <= max_points:
        return np.arange(n)
    buckets = (max_points - 2) // 2
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    keep = [0, n - 1]
    filled = np.where(np.isnan(values), np.nan, values)
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        chunk = filled[lo:hi]
        if np.all(np.isnan(chunk)):
            keep.append(int(lo))
            continue
        keep.append(int(lo + np.nanargmin(chunk)))
        keep.append(int(lo + np.nanargmax(chunk)))
    return np.unique(np.asarray(keep, dtype=np.int64))


def downsample(series: pd.Series, max_points: int = DEFAULT_MAX_POINTS) -> pd.Series:
    """``series`` reduced to at most ``max_points`` rows with ``minmax_indices`` (order kept)."""
    if len(series) <= max_points:
        return series
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return series.iloc[minmax_indices(values, max_points)]
