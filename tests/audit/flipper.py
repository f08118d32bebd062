"""A deterministic test strategy that walks a NETTING position through target sizes.

Every ``every`` bars it market-orders the difference to the next target in ``TARGETS`` (in units
of ``unit``): it opens, adds, reduces, closes and flips side in one fill (long 1 -> short 2).
With ``rest_limit`` it also keeps a far-away limit buy resting (re-placed each step), so a margin
account locks initial margin for an open order as well as maintenance margin for the position.
"""

from __future__ import annotations

from decimal import Decimal

from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

TARGETS = (1, -2, 3, 1, -1, 0, 2, 4, -3, 0)


class FlipperConfig(StrategyConfig, frozen=True, kw_only=True):
    """``unit`` base units per target step; a new target every ``every`` bars."""

    instrument_id: InstrumentId
    bar_type: BarType
    unit: Decimal = Decimal("0.05")
    every: int = 7
    rest_limit: bool = False


class Flipper(Strategy):
    """Market-orders its way through ``TARGETS``, cycling."""

    def __init__(self, config: FlipperConfig) -> None:
        super().__init__(config)
        self.bars = 0
        self.step = 0

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.config.instrument_id)
        self.subscribe_bars(self.config.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars % self.config.every:
            return
        target = TARGETS[self.step % len(TARGETS)] * self.config.unit
        self.step += 1
        net = self.portfolio.net_position(self.config.instrument_id)
        delta = target - Decimal(net)
        if delta:
            self.submit_order(
                self.order_factory.market(
                    instrument_id=self.config.instrument_id,
                    order_side=OrderSide.BUY if delta > 0 else OrderSide.SELL,
                    quantity=self.instrument.make_qty(abs(delta)),
                    time_in_force=TimeInForce.GTC,
                )
            )
        if self.config.rest_limit:
            self.cancel_all_orders(self.config.instrument_id)
            price = self.instrument.make_price(bar.close.as_double() * 0.5)
            self.submit_order(
                self.order_factory.limit(
                    instrument_id=self.config.instrument_id,
                    order_side=OrderSide.BUY,
                    quantity=self.instrument.make_qty(self.config.unit),
                    price=price,
                )
            )

    def on_stop(self) -> None:
        self.cancel_all_orders(self.config.instrument_id)
        self.close_all_positions(self.config.instrument_id)
