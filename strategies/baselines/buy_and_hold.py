"""Buy on the first bar, hold to the end."""

from __future__ import annotations

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from strategies.baselines.sizing import SizedStrategyConfig, order_quantity


class BuyAndHoldConfig(SizedStrategyConfig, frozen=True, kw_only=True):
    """Configuration of ``BuyAndHold`` (sizing fields: see ``SizedStrategyConfig``)."""

    instrument_id: InstrumentId
    bar_type: BarType


class BuyAndHold(Strategy):
    """Market-buys once on the first bar it sees, holds, and (by default) closes everything on stop."""

    def __init__(self, config: BuyAndHoldConfig) -> None:
        super().__init__(config)
        self.instrument: Instrument | None = None
        self.entered = False

    def on_start(self) -> None:
        """Look up the instrument and subscribe to the bars."""
        self.instrument = self.cache.instrument(self.config.instrument_id)
        if self.instrument is None:
            self.log.error(f"Could not find instrument {self.config.instrument_id}")
            self.stop()
            return
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        """Enter on the first bar; afterwards do nothing."""
        if self.entered:
            return
        qty = order_quantity(self.config, self.instrument, self.portfolio, bar.close.as_double())
        if qty is None:
            self.log.warning(f"Entry size rounds to zero at close {bar.close}; not buying")
            return
        self.entered = True
        order = self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=OrderSide.BUY,
            quantity=qty,
            time_in_force=TimeInForce.GTC,
        )
        self.submit_order(order)

    def on_stop(self) -> None:
        """Cancel open orders and, if configured, close the position."""
        self.cancel_all_orders(self.config.instrument_id)
        if self.config.close_positions_on_stop:
            self.close_all_positions(self.config.instrument_id)
        self.unsubscribe_bars(self.config.bar_type)

    def on_reset(self) -> None:
        """Forget the entry so a reset strategy buys again."""
        self.entered = False
