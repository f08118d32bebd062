"""Buy on the first bar, hold to the end."""

from __future__ import annotations

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument

from strategies.baselines.sizing import SizedStrategy, SizedStrategyConfig


class BuyAndHoldConfig(SizedStrategyConfig, frozen=True, kw_only=True):
    """Configuration of ``BuyAndHold`` (sizing fields: see ``SizedStrategyConfig``)."""

    instrument_id: InstrumentId
    bar_type: BarType


class BuyAndHold(SizedStrategy):
    """Market-buys once on the first bar it sees, holds, and (by default) closes everything on stop."""

    def __init__(self, config: BuyAndHoldConfig) -> None:
        super().__init__(config)
        self.instrument: Instrument | None = None
        self.entered = False

    def on_start(self) -> None:
        """Look up the instrument and subscribe to the bars."""
        if not self.find_instrument():
            return
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        """Enter on the first bar; afterwards do nothing."""
        if self.entered:
            return
        self.entered = self.enter_market(OrderSide.BUY, bar, "not buying")

    def on_reset(self) -> None:
        """Forget the entry so a reset strategy buys again."""
        self.entered = False
