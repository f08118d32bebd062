"""A minimal trading strategy for paper-trading checks: buy, hold for some trades, sell, repeat."""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy


class RoundTripConfig(StrategyConfig, frozen=True):
    """``start_after`` trades seen before the first buy; ``hold`` trades between buy and sell."""

    instrument_id: InstrumentId
    trade_size: Decimal = Decimal("0.01")
    start_after: int = 5
    hold: int = 20
    cycles: int = 1


class RoundTrip(Strategy):
    """Market-buys ``trade_size`` then market-sells it ``hold`` trades later, ``cycles`` times."""

    def __init__(self, config: RoundTripConfig) -> None:
        super().__init__(config)
        self._seen = 0
        self._done = 0
        self._entered_at: int | None = None

    def on_start(self) -> None:
        """Subscribe trades (which drive decisions) and quotes (which the venue fills from)."""
        self.subscribe_trade_ticks(self.config.instrument_id)
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_resume(self, state) -> None:
        """Continue a restarted session (``engine.paper.resume.SessionState``): cycles already
        closed count as done; an open position is sold ``hold`` trades after the restart."""
        self._done = state.closed_cycles
        self._entered_at = 0 if state.open_fills else None
        self._seen = 0 if state.open_fills else self._seen

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Count trades; enter after ``start_after``, exit ``hold`` trades later."""
        self._seen += 1
        if self._done >= self.config.cycles:
            return
        if self._entered_at is None and self._seen >= self.config.start_after:
            self._entered_at = self._seen
            self._market(OrderSide.BUY)
        elif self._entered_at is not None and self._seen - self._entered_at >= self.config.hold:
            self._entered_at = None
            self._done += 1
            self._market(OrderSide.SELL)

    def _market(self, side: OrderSide) -> None:
        instrument = self.cache.instrument(self.config.instrument_id)
        order = self.order_factory.market(
            self.config.instrument_id, side, instrument.make_qty(self.config.trade_size)
        )
        self.submit_order(order)

    def on_stop(self) -> None:
        """Leave no open position behind."""
        self.close_all_positions(self.config.instrument_id)
