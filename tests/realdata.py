"""Real bundled market data for tests: source paths, the ETH/BTC 5-minute frame, its instrument, bars.

The freqtrade sample's ``date`` is the bar's OPEN time; a bar is known at its close, so bars are
wrangled with ``ts_init`` = open + interval (no look-ahead).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
from nautilus_trader.model.currencies import BTC, ETH
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler

REPO = Path(__file__).resolve().parents[1]

SOURCES = REPO / "catalogs" / "sources"
CRYPTO = SOURCES / "crypto"
ETH_BTC_5M = CRYPTO / "ETH_BTC-5m.feather"
FIVE_MINUTES = pd.Timedelta(minutes=5)


def eth_btc_frame() -> pd.DataFrame:
    """Every ETH/BTC 5-minute OHLCV row, indexed by ``date`` (the bar's open time, UTC)."""
    return pd.read_feather(ETH_BTC_5M).set_index("date")


def eth_btc_pair(
    instrument_id: str = "ETHBTC.SIM", price_precision: int = 6, margin: Decimal = Decimal(0)
) -> CurrencyPair:
    """The ETH/BTC spot pair (0.1% maker and taker fees, sizes in steps of 0.001 ETH)."""
    return CurrencyPair(
        instrument_id=InstrumentId.from_str(instrument_id),
        raw_symbol=Symbol("ETHBTC"),
        base_currency=ETH,
        quote_currency=BTC,
        price_precision=price_precision,
        size_precision=3,
        price_increment=Price(10.0**-price_precision, price_precision),
        size_increment=Quantity.from_str("0.001"),
        lot_size=None,
        max_quantity=None,
        min_quantity=Quantity.from_str("0.001"),
        max_notional=None,
        min_notional=None,
        max_price=None,
        min_price=None,
        margin_init=margin,
        margin_maint=margin,
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
        ts_event=0,
        ts_init=0,
    )


def wrangle_bars(
    frame: pd.DataFrame, bar_type: str | BarType, instrument: CurrencyPair, interval: pd.Timedelta
) -> list[Bar]:
    """NautilusTrader bars of an open-time-indexed OHLCV ``frame``, stamped at their close."""
    bar_type = BarType.from_str(bar_type) if isinstance(bar_type, str) else bar_type
    return BarDataWrangler(bar_type, instrument).process(frame, ts_init_delta=interval.value)


ETH_BTC_ID = "ETHBTC.SIM"
ETH_BTC_BAR_TYPE = f"{ETH_BTC_ID}-5-MINUTE-LAST-EXTERNAL"


@cache
def _eth_btc_rows() -> pd.DataFrame:
    return eth_btc_frame()


def eth_btc_bars(n: int = 2000, start: int = 0) -> list[Bar]:
    """``n`` real ETH/BTC 5-minute bars of ``ETH_BTC_BAR_TYPE`` from row ``start``, stamped at close."""
    rows = _eth_btc_rows().iloc[start : start + n]
    return wrangle_bars(rows, ETH_BTC_BAR_TYPE, eth_btc_pair(ETH_BTC_ID), FIVE_MINUTES)
