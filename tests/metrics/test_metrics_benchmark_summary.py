"""Buy-and-hold benchmark on real ETH/BTC closes, and the text summary table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.metrics import MetricsError, buy_and_hold_equity, compute_metrics, format_summary
from tests.realdata import eth_btc_frame


@pytest.fixture(scope="module")
def eth() -> pd.DataFrame:
    return eth_btc_frame()


def test_buy_and_hold_return_equals_close_ratio_on_real_data(eth):
    close = eth["close"]
    equity = buy_and_hold_equity(close, starting_balance=2.5)
    m = compute_metrics(equity, pd.DataFrame())
    assert m["total_return"] == pytest.approx(close.iloc[-1] / close.iloc[0] - 1, rel=1e-12)
    assert equity.index.equals(close.index)
    # marked to market: proportional to the close on every bar
    assert (equity / close).to_numpy() == pytest.approx(2.5 / close.iloc[0], rel=1e-12)
    assert m["bars"] == len(close) and m["start"] == close.index[0].isoformat()


def test_buy_and_hold_fees_and_open_entry(eth):
    close, fee = eth["close"].iloc[:500], 0.001
    equity = buy_and_hold_equity(close, 1.0, fee_rate=fee)
    assert equity.iloc[0] == 1.0
    assert equity.iloc[-1] == pytest.approx((1 - fee) ** 2 * close.iloc[-1] / close.iloc[0], rel=1e-12)
    units = (1 - fee) / close.iloc[0]
    assert equity.iloc[1:-1].to_numpy() == pytest.approx((units * close.iloc[1:-1]).to_numpy(), rel=1e-12)
    from_open = buy_and_hold_equity(close, 1.0, open=eth["open"].iloc[:500])
    assert from_open.iloc[-1] == pytest.approx(close.iloc[-1] / eth["open"].iloc[0], rel=1e-12)


def test_buy_and_hold_rejects_bad_input(eth):
    close = eth["close"].iloc[:10]
    with pytest.raises(MetricsError, match="fee_rate"):
        buy_and_hold_equity(close, 1.0, fee_rate=1.5)
    with pytest.raises(MetricsError, match="starting_balance"):
        buy_and_hold_equity(close, 0.0)
    bad = close.copy()
    bad.iloc[3] = 0.0
    with pytest.raises(MetricsError, match=r"close: row 3 \(2018-01-10T05:10:00\+00:00\).*> 0"):
        buy_and_hold_equity(bad, 1.0)
    with pytest.raises(MetricsError, match="open: first row"):
        buy_and_hold_equity(close, 1.0, open=eth["open"].iloc[1:10])


@settings(max_examples=40, deadline=None)
@given(
    prices=st.lists(st.floats(min_value=1e-6, max_value=1e6), min_size=2, max_size=40),
    fee=st.floats(min_value=0.0, max_value=0.01),
)
def test_property_buy_and_hold_total_return(prices, fee):
    close = pd.Series(prices, index=pd.date_range("2024-01-01", periods=len(prices), freq="h", tz="UTC"))
    m = compute_metrics(buy_and_hold_equity(close, 10.0, fee_rate=fee), pd.DataFrame())
    want = (1 - fee) ** 2 * prices[-1] / prices[0] - 1
    assert m["total_return"] == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_format_summary_aligns_and_formats(eth):
    bench = compute_metrics(buy_and_hold_equity(eth["close"], 1.0), pd.DataFrame())
    strat = dict(bench, profit_factor=None, calmar=None, total_return=0.123456, trade_count=1234)
    text = format_summary(strat, bench, title="ETH/BTC 5m")
    lines = text.splitlines()
    assert lines[0] == "ETH/BTC 5m"
    assert "Buy & hold" in lines[2] and "Strategy" in lines[2]
    table = lines[2:]
    assert len({len(line) for line in table}) == 1  # right-aligned columns: every row equally wide
    row = {line.split("  ")[0].strip(): line.split() for line in table}
    assert row["Total return"][-2:] == ["12.35%", f"{bench['total_return'] * 100:.2f}%"]
    assert row["Profit factor"][-2:] == ["n/a", "n/a"]
    assert row["Trades"][-2] == "1,234"
    assert row["Sharpe"][-1] == f"{bench['sharpe']:.2f}"
    alone = format_summary(strat, None, title="alone")
    assert "Buy & hold" not in alone and "12.35%" in alone
