"""Training labels (they look forward; never use them as features).

Both label functions return a DataFrame on the bars' index with ``label`` (-1 sell, 0 neutral,
+1 buy; NaN where the horizon runs past the data) and ``label_end`` (the ``ts`` of the last bar the
label looked at; NaT where the label is NaN). Walk-forward purges training rows whose
``label_end`` reaches into a test window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.bars import Bars, validate_bars
from indicators.errors import FeatureError


def _check(name: str, value: float, minimum: float = 0.0, strict: bool = False) -> None:
    bad = not np.isfinite(value) or value < minimum or (strict and value <= minimum)
    if bad:
        op = ">" if strict else ">="
        raise FeatureError(
            f"labels: parameter '{name}' must be a finite number {op} {minimum}, got {value!r}"
        )


def _volatility(b: Bars, window: int) -> np.ndarray:
    """Std of 1-bar log returns over the ``window`` returns ending at t (known at t); NaN before."""
    _check("vol_window", window, 2)
    r = np.full(len(b), np.nan)
    r[1:] = np.diff(np.log(b.close))
    return pd.Series(r).rolling(window, min_periods=window).std(ddof=0).to_numpy()


def _frame(bars: pd.DataFrame, label: np.ndarray, end_idx: np.ndarray) -> pd.DataFrame:
    ok = ~np.isnan(label)
    ends = pd.DatetimeIndex(np.full(len(label), np.datetime64("NaT"), dtype="datetime64[ns]"), tz="UTC")
    ends = ends.where(~ok, bars.index[np.where(ok, end_idx, 0)])
    return pd.DataFrame({"label": label, "label_end": ends}, index=bars.index)


def forward_return_labels(
    bars: pd.DataFrame, horizon: int, up: float, down: float, vol_scaled: bool = False, vol_window: int = 100
) -> pd.DataFrame:
    """Three-class label of the return from close[t] to close[t + horizon].

    +1 if the return exceeds ``up``, -1 if it is below ``-down``, else 0. With ``vol_scaled`` the
    thresholds are multiples of the recent volatility: ``up * sigma_t * sqrt(horizon)``, where
    ``sigma_t`` is the std of 1-bar log returns over the last ``vol_window`` bars.
    """
    b = validate_bars(bars)
    _check("horizon", horizon, 1)
    _check("up", up)
    _check("down", down)
    n = len(b)
    label = np.full(n, np.nan)
    end = np.arange(n) + int(horizon)
    m = max(n - int(horizon), 0)
    if m:
        ret = b.close[horizon:] / b.close[:m] - 1.0
        hi, lo = np.full(m, float(up)), np.full(m, -float(down))
        if vol_scaled:
            scale = _volatility(b, vol_window)[:m] * np.sqrt(horizon)
            hi, lo = hi * scale, lo * scale
        lab = np.where(ret > hi, 1.0, np.where(ret < lo, -1.0, 0.0))
        lab[np.isnan(hi) | np.isnan(lo)] = np.nan
        label[:m] = lab
    return _frame(bars, label, end)


def triple_barrier_labels(
    bars: pd.DataFrame,
    take_profit: float,
    stop_loss: float,
    max_holding: int,
    vol_scaled: bool = False,
    vol_window: int = 100,
) -> pd.DataFrame:
    """Triple-barrier label for a position opened at close[t].

    +1 if a later bar's high reaches ``close[t] * (1 + take_profit)`` first, -1 if its low reaches
    ``close[t] * (1 - stop_loss)`` first (a bar touching both counts as the stop: conservative),
    0 if neither within ``max_holding`` bars (``label_end`` = the time barrier). NaN when no barrier
    is hit before the data ends. With ``vol_scaled`` both barriers are multiples of
    ``sigma_t * sqrt(max_holding)`` as in ``forward_return_labels``.
    """
    b = validate_bars(bars)
    _check("take_profit", take_profit, 0.0, strict=not vol_scaled)
    _check("stop_loss", stop_loss, 0.0, strict=not vol_scaled)
    _check("max_holding", max_holding, 1)
    n = len(b)
    tp, sl = np.full(n, float(take_profit)), np.full(n, float(stop_loss))
    if vol_scaled:
        scale = _volatility(b, vol_window) * np.sqrt(max_holding)
        tp, sl = tp * scale, sl * scale
    upper, lower = b.close * (1.0 + tp), b.close * (1.0 - sl)
    label = np.full(n, np.nan)
    end = np.zeros(n, dtype=np.int64)
    open_ = ~(np.isnan(upper) | np.isnan(lower))
    rows = np.arange(n)
    for k in range(1, int(max_holding) + 1):
        j = rows + k
        live = open_ & (j < n)
        if not live.any():
            break
        jj = j[live]
        stop = b.low[jj] <= lower[live]
        take = (b.high[jj] >= upper[live]) & ~stop
        hit_rows = rows[live][stop | take]
        label[hit_rows] = np.where(stop[stop | take], -1.0, 1.0)
        end[hit_rows] = hit_rows + k
        open_[hit_rows] = False
    timed_out = open_ & (rows + int(max_holding) < n)
    label[timed_out] = 0.0
    end[timed_out] = rows[timed_out] + int(max_holding)
    return _frame(bars, label, end)
