"""Loading recorded data for the simulator, and the bars it aggregates from trades."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.exchange_sim import bars_from_trades, load_market_data
from engine.exchange_sim.sources import INTERVAL_MS, decimals, split_symbol


def test_btcusdt_sources_load_sorted_with_precisions_from_values(btc_data, btc_trades):
    assert (btc_data.symbol, btc_data.base, btc_data.quote) == ("BTCUSDT", "BTC", "USDT")
    assert len(btc_data.trades) == len(btc_trades) == 2001
    assert len(btc_data.quotes) == 451
    assert btc_data.trades["ts_ms"].is_monotonic_increasing
    assert btc_data.price_precision == 2 and btc_data.size_precision == 8
    first = btc_trades.iloc[0]
    assert btc_data.trades.iloc[0].trade_id == first.trade_id
    assert btc_data.trades.iloc[0].ts_ms == int(first.timestamp.timestamp() * 1000)


def test_underscore_symbol_files_and_bar_files(sources):
    data = load_market_data(sources, "XRPETH.BINANCE")
    assert (data.base, data.quote) == ("XRP", "ETH")
    assert len(data.trades) == 12477 and len(data.bars["1m"]) == 2469
    assert data.price_precision == 8  # prices like 0.00139676: precision comes from the data
    # freqtrade 'side' is the taker's side: a sell means the buyer was the maker
    raw = pd.read_feather(sources / "XRP_ETH-trades.feather")
    assert (
        data.trades["buyer_maker"].to_numpy()
        == (raw.sort_values("timestamp", kind="stable")["side"] == "sell").to_numpy()
    ).all()


def test_unknown_symbol_is_a_clear_error(sources):
    with pytest.raises(LineageError, match="NOPEUSDT"):
        load_market_data(sources, "NOPEUSDT.BINANCE")
    with pytest.raises(LineageError, match="split"):
        split_symbol("ABCXYZ")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value="0.00000001", max_value="100000", places=8), min_size=1, max_size=20))
def test_decimals_writes_every_value_exactly(values):
    floats = np.array([float(v) for v in values])
    places = decimals(floats)
    assert all(Decimal(f"{x:.{places}f}") == Decimal(repr(float(x))) for x in floats)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 600_000), st.integers(1, 10_000), st.integers(1, 1000)),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(["1s", "1m", "5m"]),
)
def test_bars_from_trades_conserve_volume_and_bound_prices(rows, interval):
    rows = sorted(rows)
    trades = pd.DataFrame(
        {
            "ts_ms": [r[0] for r in rows],
            "trade_id": range(len(rows)),
            "price": [r[1] / 100 for r in rows],
            "qty": [r[2] / 10 for r in rows],
            "buyer_maker": False,
        }
    )
    bars = bars_from_trades(trades, interval)
    assert bars["count"].sum() == len(trades)
    assert bars["volume"].sum() == pytest.approx(trades["qty"].sum())
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars[["open", "close"]].max(axis=1) <= bars["high"]).all()
    assert (bars["open_ms"] % INTERVAL_MS[interval] == 0).all()
    # causality: every trade of a bar happened before the bar's close
    for bar in bars.itertuples():
        inside = trades[(trades.ts_ms >= bar.open_ms) & (trades.ts_ms < bar.open_ms + INTERVAL_MS[interval])]
        assert len(inside) == bar.count and inside.price.iloc[-1] == bar.close


def test_catalog_mode_serves_the_same_market_as_the_source_files(sources, tmp_path):
    from engine.catalog import import_files, load_instrument

    files = ["BTCUSDT-trades-2021-01-08.parquet", "BTCUSDT-quotes-2021-01-08.parquet", "XRP_ETH-1m.feather"]
    import_files([sources / f for f in files], tmp_path / "cat")
    from_catalog = load_market_data(tmp_path / "cat", "BTCUSDT.BINANCE")  # the catalog's BTCUSDT.SIM
    from_files = load_market_data(sources, "BTCUSDT.BINANCE")
    assert from_catalog.trades.ts_ms.tolist() == from_files.trades.ts_ms.tolist()
    assert from_catalog.trades.trade_id.tolist() == from_files.trades.trade_id.tolist()
    assert from_catalog.quotes.ts_ms.tolist() == from_files.quotes.ts_ms.tolist()
    assert from_catalog.trades.price.to_numpy() == pytest.approx(from_files.trades.price.to_numpy())
    instrument = load_instrument(tmp_path / "cat", "BTCUSDT.SIM")
    assert from_catalog.price_precision == instrument.price_precision  # the catalog's own precision
    bars = load_market_data(tmp_path / "cat", "XRPETH.SIM").bars["1m"]
    assert bars.open_ms.tolist() == load_market_data(sources, "XRPETH.SIM").bars["1m"].open_ms.tolist()
