"""Performance figures of one equity curve: returns, risk ratios, drawdowns, trade statistics.

Conventions (all figures are plain floats/ints/strings or ``None``, so a result is JSON-safe):

* Returns are simple per-bar returns ``e[t] / e[t-1] - 1``; ratios use the sample standard
  deviation (ddof=1) and are annualised by ``sqrt(periods_per_year)``; the risk-free rate is 0.
* ``None`` means *undefined*: ``cagr`` with fewer than two bars (or when it overflows a float),
  ``calmar`` when there was no drawdown, ``profit_factor`` with no losing trade (all wins or no
  trades). ``win_rate`` is 0.0 with no trades.
* Zero dispersion: the standard deviation (Sharpe) and downside deviation (Sortino) are floored at
  ``VOL_FLOOR``. A flat curve therefore has Sharpe and Sortino 0.0 and a curve that grows at a
  constant rate has a huge positive (finite) Sharpe, instead of a division by zero.
* ``max_drawdown`` is a positive fraction of the running peak, capped at 1.0 (total loss).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from engine.metrics.series import MetricsError, as_float_series, clean

__all__ = [
    "METRIC_KEYS",
    "VOL_FLOOR",
    "MetricsError",
    "compute_metrics",
    "drawdown_series",
    "infer_periods_per_year",
    "monthly_returns",
]

METRIC_KEYS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "exposure",
    "trade_count",
    "start",
    "end",
    "bars",
    "final_equity",
)
TRADE_COLUMNS: tuple[str, ...] = ("entry_ts", "exit_ts", "pnl", "return")
VOL_FLOOR = 1e-12
CALENDAR_DAYS = 365.0
TRADING_DAYS = 252.0
_DAY = pd.Timedelta(days=1)

Metric = float | int | str | None


def infer_periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per year implied by ``index``'s median spacing and calendar.

    * Bars spaced two days or more apart (weekly, monthly): 365 days / spacing.
    * A weekend day appears among the bars (crypto trades 24/7): 365 days / spacing.
    * No bar on a weekend although the period spans one (an exchange calendar, e.g. equities):
      252 trading days x the median number of bars per trading day (daily bars give 252).
    * The period spans no weekend at all, so the calendar cannot be told: 365 days / spacing.
    """
    if len(index) < 2:
        raise MetricsError(
            f"cannot infer bars per year from {len(index)} timestamp(s); pass periods_per_year"
        )
    spacing = pd.Series(index).diff().dropna().median()
    if spacing <= pd.Timedelta(0):
        raise MetricsError("cannot infer bars per year: timestamps do not increase")
    per_calendar_year = CALENDAR_DAYS * _DAY / spacing
    if spacing >= 2 * _DAY or (index.dayofweek >= 5).any():
        return float(per_calendar_year)
    days = pd.date_range(index[0].normalize(), index[-1].normalize(), freq="D")
    if not (days.dayofweek >= 5).any():
        return float(per_calendar_year)
    bars_per_day = float(pd.Series(index.normalize()).value_counts().median())
    return TRADING_DAYS * bars_per_day


def drawdown_series(equity: pd.Series) -> pd.Series:
    """Drawdown per bar as a non-positive fraction of the running peak (``e / cummax(e) - 1``).

    ``max_drawdown`` in ``compute_metrics`` is ``-drawdown_series(equity).min()`` (capped at 1).
    """
    eq = as_float_series(equity, "equity")
    peak = eq.cummax()
    if (peak <= 0).any():
        raise MetricsError("equity: expected the first value to be > 0 (drawdown is relative to the peak)")
    return (eq / peak - 1.0).rename("drawdown")


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Calendar-month returns as a year x month table (columns 1..12, NaN where no data).

    Each month's return compares its last equity value to the previous month's last value; the
    first month compares to the first equity value.
    """
    eq = as_float_series(equity, "equity", positive=True)
    month_end = eq.resample("ME").last().dropna()
    previous = month_end.shift(1)
    previous.iloc[0] = eq.iloc[0]
    returns = month_end / previous - 1.0
    table = pd.DataFrame(
        {"year": returns.index.year, "month": returns.index.month, "return": returns.to_numpy()}
    ).pivot(index="year", columns="month", values="return")
    table = table.reindex(columns=range(1, 13))
    table.columns.name = "month"
    return table


def compute_metrics(
    equity: pd.Series,
    trades: pd.DataFrame,
    exposure: pd.Series | None = None,
    periods_per_year: float | None = None,
) -> dict[str, Metric]:
    """Summary figures of one run, keyed exactly by ``METRIC_KEYS`` (see the module docstring).

    ``equity``: account equity per bar (UTC DatetimeIndex, float or Decimal, first value > 0).
    ``trades``: one row per closed round trip with columns ``entry_ts, exit_ts, pnl, return``
    (an empty frame means no trades). ``exposure``: fraction of each bar spent in the market
    (bool or float, absolute value used, aligned to ``equity``'s index); when ``None`` it is the
    fraction of bars with ``entry_ts <= ts < exit_ts`` for some trade. ``periods_per_year``:
    annualisation factor, inferred from the bar spacing when ``None`` (``infer_periods_per_year``).
    ``start``/``end`` are ISO-8601 strings; ``bars`` and ``trade_count`` are ints.
    """
    eq = as_float_series(equity, "equity")
    if eq.iloc[0] <= 0:
        raise MetricsError(f"equity: row 0 ({eq.index[0].isoformat()}) is {eq.iloc[0]!r}; expected > 0")
    if periods_per_year is None:
        ppy = infer_periods_per_year(eq.index) if len(eq) > 1 else CALENDAR_DAYS
    elif not (isinstance(periods_per_year, int | float) and math.isfinite(periods_per_year)) or (
        periods_per_year <= 0
    ):
        raise MetricsError(f"periods_per_year: expected a finite number > 0, got {periods_per_year!r}")
    else:
        ppy = float(periods_per_year)

    values = eq.to_numpy()
    returns = values[1:] / values[:-1] - 1.0
    growth = values[-1] / values[0]
    max_dd = _max_drawdown(values)
    cagr = _cagr(growth, len(returns) / ppy)
    pnl = _trade_pnl(trades)
    wins, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
    return {
        "total_return": float(growth - 1.0),
        "cagr": cagr,
        "sharpe": _ratio(returns, _std(returns), ppy),
        "sortino": _ratio(returns, _downside_deviation(returns), ppy),
        "calmar": clean(cagr / max_dd) if cagr is not None and max_dd > 0 else None,
        "max_drawdown": max_dd,
        "win_rate": float((pnl > 0).mean()) if len(pnl) else 0.0,
        "profit_factor": clean(wins / losses) if losses > 0 else None,
        "exposure": _exposure(exposure, trades, eq.index),
        "trade_count": len(pnl),
        "start": eq.index[0].isoformat(),
        "end": eq.index[-1].isoformat(),
        "bars": len(eq),
        "final_equity": float(values[-1]),
    }


def _max_drawdown(values: np.ndarray) -> float:
    peak = np.maximum.accumulate(values)
    return float(min(1.0, max(0.0, float(np.max(1.0 - values / peak)))))


def _cagr(growth: float, years: float) -> float | None:
    if years <= 0:
        return None
    if growth <= 0:
        return -1.0
    with np.errstate(over="ignore"):
        return clean(np.power(np.float64(growth), 1.0 / years) - 1.0)


def _std(returns: np.ndarray) -> float:
    return float(np.std(returns, ddof=1)) if len(returns) > 1 else 0.0


def _downside_deviation(returns: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if len(returns) else 0.0


def _ratio(returns: np.ndarray, dispersion: float, ppy: float) -> float:
    mean = float(np.mean(returns)) if len(returns) else 0.0
    if mean == 0.0:
        return 0.0
    return mean / max(dispersion, VOL_FLOOR) * math.sqrt(ppy)


def _trade_pnl(trades: pd.DataFrame) -> np.ndarray:
    if not isinstance(trades, pd.DataFrame):
        raise MetricsError(f"trades: expected a pandas DataFrame, got {type(trades).__name__}")
    if len(trades) == 0:
        return np.array([], dtype=np.float64)
    missing = [c for c in TRADE_COLUMNS if c not in trades.columns]
    if missing:
        raise MetricsError(f"trades: missing column(s) {missing}; expected at least {list(TRADE_COLUMNS)}")
    pnl = np.empty(len(trades), dtype=np.float64)
    for row, value in enumerate(trades["pnl"].to_numpy()):
        try:
            pnl[row] = float(value)
        except (TypeError, ValueError):
            pnl[row] = math.nan
        if not math.isfinite(pnl[row]):
            raise MetricsError(f"trades: row {row} field 'pnl' is {value!r}; expected a finite number")
    return pnl


def _exposure(exposure: pd.Series | None, trades: pd.DataFrame, index: pd.DatetimeIndex) -> float:
    if exposure is not None:
        numeric = exposure.astype("float64") if exposure.dtype == bool else exposure
        series = as_float_series(numeric, "exposure")
        aligned = series.reindex(index)
        if aligned.isna().any():
            ts = index[int(np.argmax(aligned.isna().to_numpy()))]
            raise MetricsError(f"exposure: no value at {ts.isoformat()}; expected one value per equity bar")
        return float(aligned.abs().mean())
    if len(trades) == 0:
        return 0.0
    in_market = np.zeros(len(index), dtype=bool)
    for row, (entry, exit_) in enumerate(zip(trades["entry_ts"], trades["exit_ts"], strict=True)):
        try:
            start, stop = _utc(entry), _utc(exit_)
        except (TypeError, ValueError) as exc:
            raise MetricsError(f"trades: row {row} entry_ts/exit_ts: expected timestamps ({exc})") from exc
        in_market |= (index >= start) & (index < stop)
    return float(in_market.mean())


def _utc(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
