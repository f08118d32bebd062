"""Recursive-indicator warm-up analysis (like Freqtrade's ``recursive-analysis``).

For each feature, find the fewest startup bars ``s`` such that computing it over only the ``s`` bars
before row t (plus row t) gives a value within ``tol`` of its long-history value, at every
evaluation row. The error is relative to ``max(|long value|, median |long value|)`` so features that
cross zero are judged against their typical size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.bars import Bars, validate_bars
from indicators.batch import check_length
from indicators.spec import FeatureSet, FeatureSpec


@dataclass(frozen=True)
class WarmupReport:
    """Startup bars needed per feature (``None`` = not reached within the data) and overall."""

    tol: float
    needed: dict[str, int | None]
    declared: dict[str, int] = field(repr=False)

    @property
    def startup(self) -> int | None:
        """Bars needed before every feature is within ``tol`` (``None`` if some feature never is)."""
        vals = list(self.needed.values())
        return None if any(v is None for v in vals) else max(vals, default=0)

    @property
    def insufficient(self) -> list[str]:
        """Features whose declared warm-up is shorter than the measured need."""
        return [n for n, v in self.needed.items() if v is None or v > self.declared[n]]

    @property
    def ok(self) -> bool:
        return not self.insufficient


def _error(b: Bars, spec: FeatureSpec, long: np.ndarray, points: np.ndarray, s: int, scale: float) -> float:
    k = spec.kind_def
    worst = 0.0
    for t in points:
        short = k.compute(b.slice(t - s, t + 1), *spec.params)[-1]
        ref = long[t]
        if np.isnan(short) != np.isnan(ref):
            return np.inf
        if not np.isnan(ref):
            worst = max(worst, abs(short - ref) / max(abs(ref), scale))
    return worst


def feature_startup(b: Bars, spec: FeatureSpec, tol: float, n_points: int = 16) -> int | None:
    """Fewest startup bars for one feature (its lookback for non-recursive kinds)."""
    k = spec.kind_def
    if k.mode != "anchored":
        return spec.lookback
    n = len(b)
    with np.errstate(all="ignore"):
        long = np.asarray(k.compute(b, *spec.params), dtype=np.float64)
        smax = n // 2
        points = np.unique(np.linspace(smax, n - 1, n_points).astype(int))
        valid = long[smax:][~np.isnan(long[smax:])]
        scale = float(np.median(np.abs(valid))) if valid.size else 0.0
        scale = scale if scale > 0 else 1e-300
        lo, hi = spec.lookback, smax
        if lo >= hi or _error(b, spec, long, points, hi, scale) > tol:
            return None
        while lo < hi:  # smallest s with error <= tol, assuming the error shrinks with more history
            mid = (lo + hi) // 2
            if _error(b, spec, long, points, mid, scale) <= tol:
                hi = mid
            else:
                lo = mid + 1
    return lo


def warmup_analysis(bars: pd.DataFrame, feature_set: FeatureSet, tol: float = 1e-6) -> WarmupReport:
    """Measure the startup bars every feature of ``feature_set`` needs on ``bars`` (use long data)."""
    b = validate_bars(bars)
    check_length(b, feature_set)
    needed = {f.name: feature_startup(b, f, tol) for f in feature_set.features}
    return WarmupReport(tol=tol, needed=needed, declared={f.name: f.warmup for f in feature_set.features})
