"""Performance metrics of an equity curve and its trades, plus a buy-and-hold benchmark.

Pure functions over pandas objects; Decimal inputs are accepted and converted to float.
"""

from engine.metrics.benchmark import buy_and_hold_equity
from engine.metrics.performance import (
    METRIC_KEYS,
    MetricsError,
    compute_metrics,
    drawdown_series,
    infer_periods_per_year,
    monthly_returns,
)
from engine.metrics.summary import format_summary

__all__ = [
    "METRIC_KEYS",
    "MetricsError",
    "buy_and_hold_equity",
    "compute_metrics",
    "drawdown_series",
    "format_summary",
    "infer_periods_per_year",
    "monthly_returns",
]
