"""What the baselines share: order sizing (a fixed quantity, or a fraction of the free quote
balance), the instrument look-up, market entries and the flattening ``on_stop``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Quantity
from nautilus_trader.portfolio.base import PortfolioFacade
from nautilus_trader.trading.strategy import Strategy

Fraction = Annotated[float, msgspec.Meta(gt=0.0, le=1.0)]


class SizedStrategyConfig(StrategyConfig, frozen=True, kw_only=True):
    """Sizing fields common to the baselines.

    ``trade_size``: fixed order quantity in base units; when ``None`` each entry spends
    ``balance_fraction`` of the account's free balance in the quote currency at the last close
    (kept below 1.0 by default so fees fit in a cash account). ``close_positions_on_stop``: flatten
    the instrument when the strategy stops.
    """

    trade_size: Decimal | None = None
    balance_fraction: Fraction = 0.95
    close_positions_on_stop: bool = True

    def __post_init__(self) -> None:
        if self.trade_size is not None and self.trade_size <= 0:
            raise ValueError(f"trade_size must be > 0, got {self.trade_size}")


def order_quantity(
    config: SizedStrategyConfig, instrument: Instrument, portfolio: PortfolioFacade, last_close: float
) -> Quantity | None:
    """Quantity of the next entry order, or ``None`` when it would round to zero or below the minimum."""
    if config.trade_size is not None:
        qty = instrument.make_qty(config.trade_size)
    else:
        account = portfolio.account(instrument.id.venue)
        free = account.balance_free(instrument.quote_currency) if account is not None else None
        if free is None or last_close <= 0:
            return None
        budget = free.as_decimal() * Decimal(str(float(config.balance_fraction)))
        raw = budget / Decimal(str(float(last_close)))
        step = Decimal(1).scaleb(-instrument.size_precision)
        qty = instrument.make_qty(raw.quantize(step, rounding="ROUND_DOWN"))
    if qty.as_decimal() <= 0:
        return None
    if instrument.min_quantity is not None and qty < instrument.min_quantity:
        return None
    return qty


class SizedStrategy(Strategy):
    """Base of the baselines (configs derive from ``SizedStrategyConfig`` with ``instrument_id`` and
    ``bar_type``): finds the instrument on start, enters at market with ``order_quantity``, and on
    stop cancels open orders, flattens if configured and unsubscribes."""

    instrument: Instrument | None

    def find_instrument(self) -> bool:
        """Look up the configured instrument; log an error and stop when the cache lacks it."""
        self.instrument = self.cache.instrument(self.config.instrument_id)
        if self.instrument is None:
            self.log.error(f"Could not find instrument {self.config.instrument_id}")
            self.stop()
            return False
        return True

    def enter_market(self, side: OrderSide, bar: Bar, refusal: str) -> bool:
        """Submit a GTC market order of the configured size at ``bar``'s close; when the size
        rounds to zero, log a warning ending in ``refusal`` and return False."""
        qty = order_quantity(self.config, self.instrument, self.portfolio, bar.close.as_double())
        if qty is None:
            self.log.warning(f"Entry size rounds to zero at close {bar.close}; {refusal}")
            return False
        order = self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=side,
            quantity=qty,
            time_in_force=TimeInForce.GTC,
        )
        self.submit_order(order)
        return True

    def on_stop(self) -> None:
        """Cancel open orders and, if configured, close the position."""
        self.cancel_all_orders(self.config.instrument_id)
        if self.config.close_positions_on_stop:
            self.close_all_positions(self.config.instrument_id)
        self.unsubscribe_bars(self.config.bar_type)
