"""A deliberately leaky strategy: at the top of each hour it trades on the *next* bar's close.

It preloads the catalog's bars into a DataFrame indexed by close time (a side channel, like a
batch fast path) and, on bars whose close time has minute ``peek_minute``, looks one row ahead.
On other bars it follows the last return (causal). When there is no next row it does nothing.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Quantity
from nautilus_trader.trading.strategy import Strategy

from engine.catalog import bars_frame

NS_PER_HOUR = 3_600_000_000_000
NS_PER_MINUTE = 60_000_000_000


class PeekingConfig(StrategyConfig, frozen=True, kw_only=True):
    """``catalog`` is filled by the backtest; ``peek_minute`` picks the leaking bars."""

    instrument_id: InstrumentId
    bar_type: BarType
    catalog: str | None = None
    peek_minute: int = 0
    quantity: Decimal = Decimal("1")


class PeekingStrategy(Strategy):
    """Long while the (peeked or last) return is up, flat otherwise; one unit per trade."""

    def __init__(self, config: PeekingConfig) -> None:
        super().__init__(config)
        self.ts = np.empty(0, dtype="int64")
        self.close = np.empty(0)
        self.prev: float | None = None
        self.held = 0

    def on_start(self) -> None:
        frame = bars_frame(
            self.config.catalog, str(self.config.instrument_id), str(self.config.bar_type.spec)
        )
        self.ts = frame.index.asi8
        self.close = frame["close"].to_numpy()
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        close = bar.close.as_double()
        prev, self.prev = self.prev, close
        if prev is None:
            return
        if (bar.ts_init % NS_PER_HOUR) // NS_PER_MINUTE == self.config.peek_minute:
            i = int(np.searchsorted(self.ts, bar.ts_init, side="right"))
            if i >= len(self.ts):
                return  # the future is not there to peek at
            target = int(self.close[i] > close)
        else:
            target = int(close > prev)
        if target != self.held:
            side = OrderSide.BUY if target else OrderSide.SELL
            order = self.order_factory.market(
                self.config.instrument_id, side, Quantity.from_str(str(self.config.quantity)), TimeInForce.GTC
            )
            self.submit_order(order)
            self.held = target

    def on_stop(self) -> None:
        self.close_all_positions(self.config.instrument_id)
