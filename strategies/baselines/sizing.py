"""Order sizing shared by the baselines: a fixed quantity, or a fraction of the free quote balance."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Quantity
from nautilus_trader.portfolio.base import PortfolioFacade

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
