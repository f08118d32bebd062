"""File-name inference rule and precision detection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.catalog.instruments import classify, split_pair
from engine.catalog.naming import infer_from_name, step_from_spacing, step_ns
from engine.catalog.validate import decimals


@pytest.mark.parametrize(
    ("name", "symbol", "kind", "step", "price_type"),
    [
        ("ETH_BTC-5m.feather", "ETHBTC", None, "5-MINUTE", "LAST"),
        ("BTC-PERP-1m-2022-01.csv", "BTCPERP", None, "1-MINUTE", "LAST"),
        ("orcl-1995-2014.csv", "ORCL", None, None, "LAST"),
        ("GBPUSD-m1-bid-2012.csv", "GBPUSD", None, "1-MINUTE", "BID"),
        ("XRP_ETH-trades.feather", "XRPETH", "trades", None, "LAST"),
        ("BTCUSDT-trades-2021-01-08.parquet", "BTCUSDT", "trades", None, "LAST"),
        ("BTCUSDT-quotes-2021-01-08.parquet", "BTCUSDT", "quotes", None, "LAST"),
        ("UNITTEST_BTC-1m.feather", "UNITTESTBTC", None, "1-MINUTE", "LAST"),
        ("2006-min-futures.csv", "2006", None, None, "LAST"),
        ("eth/btc-4h.parquet", "BTC", None, "4-HOUR", "LAST"),
    ],
)
def test_name_inference(name: str, symbol: str, kind: str | None, step: str | None, price_type: str) -> None:
    hints = infer_from_name(name)
    assert (hints.symbol, hints.kind, hints.step, hints.price_type) == (symbol, kind, step, price_type)


def test_steps() -> None:
    assert step_from_spacing(86_400 * 10**9) == "1-DAY"
    assert step_from_spacing(300 * 10**9) == "5-MINUTE"
    assert step_from_spacing(90 * 10**9) == "90-SECOND"
    assert step_ns("15-MINUTE") == 900 * 10**9


def test_pairs_and_classes(tmp_path) -> None:
    assert split_pair("ETHBTC") == ("ETH", "BTC")
    assert split_pair("BTCUSDT", "BTC/USDT") == ("BTC", "USDT")
    assert split_pair("ORCL") is None
    assert classify("GBPUSD", tmp_path / "x.csv").account_type == "MARGIN"
    assert classify("ETH_BTC", tmp_path / "x.csv").account_type == "CASH"
    assert classify("orcl", tmp_path / "equities" / "orcl.csv").instrument_class == "Equity"


def test_decimals_ignores_float_noise() -> None:
    assert decimals(np.array([46319.0000000001, 46320.0])) == 0
    assert decimals(np.array([2.1790120000000002, 1.5])) == 6
    assert decimals(np.array([0.1 + 0.2])) == 1
    assert decimals(np.array([0.00005301])) == 8
    assert decimals(np.array([1 / 3])) == 9  # capped


@settings(max_examples=200, deadline=None)
@given(
    ints=st.lists(st.integers(1, 10**11), min_size=1, max_size=20),
    places=st.integers(0, 9),
)
def test_decimals_property(ints: list[int], places: int) -> None:
    values = np.array([i / 10**places for i in ints])
    d = decimals(values)
    assert d <= places
    assert np.allclose(np.round(values, d), values, rtol=0, atol=10.0 ** -(places + 3))
    if any(i % 10 for i in ints):
        assert d == places  # the last digit is needed
