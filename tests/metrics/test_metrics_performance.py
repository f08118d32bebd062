"""compute_metrics and friends against hand computations from first principles."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.metrics import (
    METRIC_KEYS,
    MetricsError,
    compute_metrics,
    drawdown_series,
    infer_periods_per_year,
    monthly_returns,
)
from engine.metrics.performance import VOL_FLOOR
from tests.realdata import ETH_BTC_5M

NO_TRADES = pd.DataFrame(columns=["entry_ts", "exit_ts", "pnl", "return"])


def daily(values: list[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D", tz="UTC"))


def hand_figures(values: list[float], ppy: float) -> dict[str, float]:
    """The textbook definitions, written out loop by loop."""
    rets = [b / a - 1 for a, b in itertools.pairwise(values)]
    mean = sum(rets) / len(rets)
    sd = statistics.stdev(rets)
    downside = math.sqrt(sum(min(r, 0) ** 2 for r in rets) / len(rets))
    peak, mdd = values[0], 0.0
    for v in values:
        peak = max(peak, v)
        mdd = max(mdd, (peak - v) / peak)
    years = len(rets) / ppy
    cagr = (values[-1] / values[0]) ** (1 / years) - 1
    return {
        "total_return": values[-1] / values[0] - 1,
        "sharpe": mean / sd * math.sqrt(ppy),
        "sortino": mean / downside * math.sqrt(ppy),
        "max_drawdown": mdd,
        "cagr": cagr,
        "calmar": cagr / mdd,
    }


def test_ratios_match_hand_computation():
    values = [100.0, 110.0, 99.0, 121.0, 118.0, 125.0, 90.0, 130.0]
    m = compute_metrics(daily(values), NO_TRADES, periods_per_year=252)
    for key, want in hand_figures(values, 252).items():
        assert m[key] == pytest.approx(want, rel=1e-12), key
    assert tuple(m) == METRIC_KEYS
    assert m["bars"] == len(values) and m["final_equity"] == values[-1]
    assert m["start"] == "2024-01-01T00:00:00+00:00" and m["end"] == "2024-01-08T00:00:00+00:00"


def test_trade_statistics_and_exposure_from_trades():
    eq = daily([100.0, 101, 102, 101, 103, 104, 103, 106, 105, 110])
    ts = eq.index
    pnl = [Decimal("10.5"), Decimal("-5"), Decimal("3"), Decimal("-2.5")]
    trades = pd.DataFrame(
        {
            "entry_ts": [ts[0], ts[3], ts[5], ts[7]],
            "exit_ts": [ts[2], ts[4], ts[6], ts[9]],
            "pnl": pnl,
            "return": [0.1, -0.05, 0.03, -0.02],
        }
    )
    m = compute_metrics(eq, trades)
    wins = sum(float(p) for p in pnl if p > 0)
    losses = -sum(float(p) for p in pnl if p < 0)
    assert m["trade_count"] == 4
    assert m["win_rate"] == pytest.approx(2 / 4)
    assert m["profit_factor"] == pytest.approx(wins / losses)
    # bars inside [entry, exit): 0,1 + 3 + 5 + 7,8 = 6 of 10
    in_market = sum(any(e <= t < x for e, x in zip(trades.entry_ts, trades.exit_ts, strict=True)) for t in ts)
    assert m["exposure"] == pytest.approx(in_market / len(ts)) == pytest.approx(0.6)
    flags = pd.Series([True, False] * 5, index=ts)
    assert compute_metrics(eq, trades, exposure=flags)["exposure"] == pytest.approx(0.5)
    fractions = pd.Series(np.linspace(0, 1, 10), index=ts)
    assert compute_metrics(eq, trades, exposure=fractions)["exposure"] == pytest.approx(0.5)


def test_edge_cases_are_well_defined_and_json_safe():
    flat = compute_metrics(daily([100.0] * 6), NO_TRADES)
    assert flat["sharpe"] == 0.0 and flat["sortino"] == 0.0 and flat["max_drawdown"] == 0.0
    assert flat["calmar"] is None and flat["total_return"] == 0.0 and flat["cagr"] == 0.0
    assert flat["win_rate"] == 0.0 and flat["profit_factor"] is None and flat["trade_count"] == 0
    assert flat["exposure"] == 0.0
    assert compute_metrics(daily([100.0] * 3), pd.DataFrame())["trade_count"] == 0  # columnless: no trades
    one = compute_metrics(daily([100.0]), NO_TRADES)
    assert one["cagr"] is None and one["sharpe"] == 0.0 and one["bars"] == 1
    all_wins = pd.DataFrame({"entry_ts": [0], "exit_ts": [0], "pnl": [1.0], "return": [0.1]})
    wins = compute_metrics(daily([100.0, 101.0]), all_wins)
    assert wins["profit_factor"] is None and wins["win_rate"] == 1.0
    ruined = compute_metrics(daily([100.0, 50.0, -10.0]), NO_TRADES)
    assert ruined["max_drawdown"] == 1.0 and ruined["cagr"] == -1.0
    for m in (flat, one, wins, ruined):
        json.dumps(m, allow_nan=False)
    decimals = daily([Decimal("100"), Decimal("110.5"), Decimal("99.25")])
    assert compute_metrics(decimals, NO_TRADES)["total_return"] == pytest.approx(99.25 / 100 - 1)


@pytest.mark.parametrize(
    ("equity", "trades", "match"),
    [
        (pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC")), NO_TRADES, "empty"),
        (pd.Series([1.0, 2.0]), NO_TRADES, "DatetimeIndex"),
        (daily([100.0, 101.0]).iloc[::-1], NO_TRADES, "row 1 .* earlier"),
        (daily([0.0, 101.0]), NO_TRADES, "row 0 .* expected > 0"),
        (daily([100.0, math.nan, 3.0]), NO_TRADES, "row 1 .*nan.* finite"),
        (daily([100.0, 101.0]), pd.DataFrame({"pnl": [1.0]}), r"missing column\(s\) \['entry_ts', 'exit_ts'"),
        (
            daily([100.0, 101.0]),
            pd.DataFrame({"entry_ts": [0], "exit_ts": [0], "pnl": ["x"], "return": [0]}),
            "row 0 field 'pnl'",
        ),
    ],
)
def test_bad_input_names_what_and_where(equity, trades, match):
    with pytest.raises(MetricsError, match=match) as info:
        compute_metrics(equity, trades)
    assert isinstance(info.value, LineageError)


def test_bad_exposure_and_periods_rejected():
    eq = daily([100.0, 101.0, 102.0])
    with pytest.raises(MetricsError, match="exposure: no value at 2024-01-03"):
        compute_metrics(eq, NO_TRADES, exposure=pd.Series([1.0, 0.0], index=eq.index[:2]))
    with pytest.raises(MetricsError, match="periods_per_year"):
        compute_metrics(eq, NO_TRADES, periods_per_year=0)


def test_periods_per_year_inference():
    eth = pd.read_feather(ETH_BTC_5M)
    assert infer_periods_per_year(pd.DatetimeIndex(eth["date"])) == 365 * 288  # crypto: 24/7, 5-minute
    assert infer_periods_per_year(pd.date_range("2024-01-01", periods=30, freq="D", tz="UTC")) == 365
    assert infer_periods_per_year(pd.bdate_range("2024-01-01", periods=30, tz="UTC")) == 252
    sessions = pd.bdate_range("2024-01-01", periods=10)
    hours = pd.DatetimeIndex([d + pd.Timedelta(hours=h) for d in sessions for h in range(7)])
    assert infer_periods_per_year(hours) == 252 * 7  # an exchange session of 7 hourly bars
    weekly = pd.date_range("2024-01-01", periods=10, freq="7D")
    assert infer_periods_per_year(weekly) == pytest.approx(365 / 7)
    # compute_metrics uses the inferred factor when none is given
    days = pd.bdate_range("2024-01-01", periods=30)
    eq = pd.Series(np.linspace(100, 120, 30) + np.sin(np.arange(30)), index=days)
    inferred = compute_metrics(eq, NO_TRADES)["sharpe"]
    assert inferred == compute_metrics(eq, NO_TRADES, periods_per_year=252)["sharpe"]


def test_drawdown_series_and_monthly_returns():
    values = [100.0, 120.0, 90.0, 95.0, 130.0, 117.0]
    dd = drawdown_series(daily(values))
    peaks = np.maximum.accumulate(values)
    assert dd.tolist() == pytest.approx([v / p - 1 for v, p in zip(values, peaks, strict=True)])
    assert -dd.min() == compute_metrics(daily(values), NO_TRADES)["max_drawdown"]

    idx = pd.DatetimeIndex(["2023-11-15", "2023-11-30", "2023-12-10", "2024-01-05", "2024-01-31"], tz="UTC")
    eq = pd.Series([100.0, 110.0, 99.0, 120.0, 108.0], index=idx)
    table = monthly_returns(eq)
    assert list(table.columns) == list(range(1, 13)) and list(table.index) == [2023, 2024]
    assert table.loc[2023, 11] == pytest.approx(110 / 100 - 1)
    assert table.loc[2023, 12] == pytest.approx(99 / 110 - 1)
    assert table.loc[2024, 1] == pytest.approx(108 / 99 - 1)
    assert table.loc[2024, 2:].isna().all() and table.loc[2023, :10].isna().all()


equity_values = st.lists(
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(values=equity_values)
def test_property_drawdown_bounded_and_total_return_consistent(values):
    m = compute_metrics(daily(values), NO_TRADES)
    assert 0.0 <= m["max_drawdown"] <= 1.0
    assert m["total_return"] == pytest.approx(values[-1] / values[0] - 1, rel=1e-12, abs=1e-12)
    assert m["final_equity"] == values[-1]
    json.dumps(m, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(values=equity_values, scale=st.floats(min_value=1e-3, max_value=1e3))
def test_property_scaling_equity_leaves_ratios_unchanged(values, scale):
    base = compute_metrics(daily(values), NO_TRADES)
    scaled = compute_metrics(daily([v * scale for v in values]), NO_TRADES)
    returns = np.diff(values) / np.asarray(values[:-1])
    for key in ("total_return", "cagr", "max_drawdown", "calmar", "sharpe", "sortino"):
        if key in ("sharpe", "sortino") and np.std(returns) < 1e-9:
            continue  # zero dispersion: the floored ratio is not scale-stable in the last bits
        a, b = base[key], scaled[key]
        assert (a is None) == (b is None), key
        if a is not None:
            assert b == pytest.approx(a, rel=1e-6, abs=1e-9), key


@settings(max_examples=40, deadline=None)
@given(
    start=st.floats(min_value=1.0, max_value=1e6),
    growth=st.floats(min_value=1e-5, max_value=0.05),
    bars=st.integers(min_value=3, max_value=200),
)
def test_property_constant_growth_has_huge_positive_sharpe(start, growth, bars):
    values = [start * (1 + growth) ** i for i in range(bars)]
    m = compute_metrics(daily(values), NO_TRADES)
    assert m["sharpe"] > 1e6
    assert m["sortino"] >= growth / VOL_FLOOR  # no losing bar: floored downside deviation
    assert m["max_drawdown"] == pytest.approx(0.0, abs=1e-12)
