"""Merge a symbol's recorded trades, quotes and bars into one time-ordered list of stream messages."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.exchange_sim import binance_format as fmt
from engine.exchange_sim.sources import BAR_COLUMNS, INTERVAL_MS, MarketData

DEFAULT_DERIVED_INTERVALS: tuple[str, ...] = ("1s", "1m")


@dataclass(frozen=True)
class StreamEvent:
    """One message of one stream, due at ``ts_ms`` of recorded (market) time."""

    ts_ms: int
    stream: str
    payload: str


def bars_from_trades(trades: pd.DataFrame, interval: str) -> pd.DataFrame:
    """Aggregate trades into OHLCV bars keyed by open time (empty intervals produce no bar)."""
    if not len(trades):
        return pd.DataFrame(columns=[*BAR_COLUMNS, "count", "first_id", "last_id"])
    step = INTERVAL_MS[interval]
    keyed = trades.assign(open_ms=(trades["ts_ms"].to_numpy(dtype=np.int64) // step) * step)
    grouped = keyed.groupby("open_ms", sort=True)
    out = pd.DataFrame(
        {
            "open": grouped["price"].first(),
            "high": grouped["price"].max(),
            "low": grouped["price"].min(),
            "close": grouped["price"].last(),
            "volume": grouped["qty"].sum(),
            "count": grouped["price"].size(),
            "first_id": grouped["trade_id"].first(),
            "last_id": grouped["trade_id"].last(),
        }
    )
    return out.reset_index()


def bar_sets(
    data: MarketData, derived: tuple[str, ...] = DEFAULT_DERIVED_INTERVALS
) -> dict[str, pd.DataFrame]:
    """Recorded bars per interval, plus bars aggregated from trades for ``derived`` intervals."""
    sets = dict(data.bars)
    for interval in derived:
        if interval not in sets and len(data.trades):
            sets[interval] = bars_from_trades(data.trades, interval)
    return sets


def build_timeline(data: MarketData, bars: dict[str, pd.DataFrame]) -> list[StreamEvent]:
    """Every stream message in recorded-time order; a bar is sent (closed) at its close time.

    Bars whose close lies after the last recorded instant are left out: they never closed in the data.
    """
    end_ms = data.span_ms()[1]
    low = data.symbol.lower()
    events: list[tuple[int, int, int, str, str]] = []
    for i, row in enumerate(data.trades.itertuples(index=False)):
        events.append((int(row.ts_ms), 1, i, f"{low}@trade", json.dumps(fmt.trade(data, row))))
    for i, row in enumerate(data.quotes.itertuples(index=False)):
        payload = json.dumps(fmt.book_ticker(data, row, update_id=i + 1))
        events.append((int(row.ts_ms), 0, i, f"{low}@bookTicker", payload))
    for interval, frame in sorted(bars.items()):
        for i, bar in enumerate(frame.itertuples(index=False)):
            close_ms = int(bar.open_ms) + INTERVAL_MS[interval]
            if close_ms > end_ms + 1:
                continue
            payload = json.dumps(fmt.kline(data, interval, bar, event_ms=close_ms))
            events.append((close_ms, 2, i, f"{low}@kline_{interval}", payload))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [StreamEvent(ts, stream, payload) for ts, _, _, stream, payload in events]
