"""Decoding Binance stream messages into Nautilus data; instrument from exchangeInfo."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.model.data import BarType
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import InstrumentId

from engine.errors import LineageError
from engine.exchange_sim import binance_format
from engine.paper import wire
from engine.paper.instruments import currency_pair_from_exchange_info

BTC = InstrumentId.from_str("BTCUSDT.BINANCE")


@pytest.fixture(scope="module")
def instrument(btc_data):
    return currency_pair_from_exchange_info(binance_format.exchange_info(btc_data, 0), BTC)


def test_instrument_precisions_come_from_exchange_info_filters(instrument):
    assert instrument.price_precision == 2 and instrument.size_precision == 8
    assert str(instrument.base_currency) == "BTC" and str(instrument.quote_currency) == "USDT"
    with pytest.raises(LineageError, match="ETHUSDT"):
        currency_pair_from_exchange_info({"symbols": []}, InstrumentId.from_str("ETHUSDT.BINANCE"))


@settings(max_examples=50, deadline=None)
@given(
    price=st.decimals(min_value="0.01", max_value="99999.99", places=2),
    qty=st.decimals(min_value="0.00000001", max_value="1000", places=8),
    ts=st.integers(1_500_000_000_000, 1_900_000_000_000),
    maker=st.booleans(),
)
def test_trade_messages_become_trade_ticks_at_exchange_time(instrument, price, qty, ts, maker):
    payload = json.dumps(
        {"e": "trade", "E": ts, "s": "BTCUSDT", "t": 9, "p": str(price), "q": str(qty), "T": ts, "m": maker}
    )
    tick = wire.to_trade(wire.decode("trade", "btcusdt@trade", payload.encode()), instrument, "btcusdt@trade")
    assert tick.price.as_decimal() == price and tick.size.as_decimal() == qty
    assert tick.ts_event == tick.ts_init == ts * 1_000_000
    assert tick.aggressor_side == (AggressorSide.SELLER if maker else AggressorSide.BUYER)


@settings(max_examples=30, deadline=None)
@given(open_ms=st.integers(0, 50_000_000).map(lambda x: x * 60_000), closed=st.booleans())
def test_only_closed_klines_become_bars_stamped_at_their_close(instrument, open_ms, closed):
    bar_type = BarType.from_str("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL")
    k = {"t": open_ms, "T": open_ms + 59_999, "s": "BTCUSDT", "i": "1m", "o": "10.00", "c": "11.00",
         "h": "12.00", "l": "9.00", "v": "1.5", "x": closed}  # fmt: skip
    msg = wire.decode("kline", "s", json.dumps({"e": "kline", "E": 0, "s": "BTCUSDT", "k": k}).encode())
    bar = wire.to_bar(msg, bar_type, instrument, "s")
    if not closed:
        assert bar is None
    else:
        assert bar.ts_init == bar.ts_event == (open_ms + 60_000) * 1_000_000
        assert bar.close.as_decimal() == Decimal("11.00")


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("trade", '{"s":"BTCUSDT","t":1,"p":"abc","q":"1","T":1,"m":true}', "'p'"),
        ("trade", '{"s":"BTCUSDT","t":1,"p":"-5","q":"1","T":1,"m":true}', "positive"),
        ("trade", '{"s":"BTCUSDT","t":1,"q":"1","T":1,"m":true}', "malformed trade"),
        ("bookTicker", '{"s":"BTCUSDT","b":"2","B":"1","a":"1","A":"1"}', "bid 2 above ask 1"),
        (
            "kline",
            '{"s":"BTCUSDT","k":{"t":0,"T":1,"s":"BTCUSDT","i":"1m","o":"5","c":"5","h":"4","l":"3","v":"1","x":true}}',
            "l <= o,c <= h",
        ),
    ],
)
def test_malformed_messages_raise_feed_errors_naming_the_field(instrument, kind, payload, field):
    bar_type = BarType.from_str("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL")
    with pytest.raises(wire.FeedMessageError, match="stream s") as info:
        msg = wire.decode(kind, "s", payload.encode())
        if kind == "trade":
            wire.to_trade(msg, instrument, "s")
        elif kind == "bookTicker":
            wire.to_quote(msg, instrument, "s", 0)
        else:
            wire.to_bar(msg, bar_type, instrument, "s")
    assert field in str(info.value)
    assert isinstance(info.value, LineageError)


def test_kline_interval_names():
    assert wire.interval_of(BarType.from_str("BTCUSDT.BINANCE-1-SECOND-LAST-EXTERNAL")) == "1s"
    assert wire.interval_of(BarType.from_str("BTCUSDT.BINANCE-15-MINUTE-LAST-EXTERNAL")) == "15m"
    with pytest.raises(LineageError):
        wire.interval_of(BarType.from_str("BTCUSDT.BINANCE-100-TICK-LAST-EXTERNAL"))


def test_impossible_timestamps_are_rejected_not_overflowed(instrument):
    payload = b'{"s":"BTCUSDT","t":1,"p":"1","q":"1","T":99999999999999999,"m":true}'
    with pytest.raises(wire.FeedMessageError, match="epoch milliseconds"):
        wire.to_trade(wire.decode("trade", "s", payload), instrument, "s")
