"""Moving-average crossover: long while the fast average is above the slow one."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from nautilus_trader.indicators import ExponentialMovingAverage, SimpleMovingAverage
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument

from strategies.baselines.sizing import SizedStrategy, SizedStrategyConfig

Period = Annotated[int, msgspec.Meta(gt=0)]


class MovingAverageCrossConfig(SizedStrategyConfig, frozen=True, kw_only=True):
    """Configuration of ``MovingAverageCross``.

    ``fast``/``slow``: periods in bars (fast < slow); ``kind``: ``"ema"`` or ``"sma"``;
    ``allow_short``: go short (instead of flat) while fast <= slow. Sizing: ``SizedStrategyConfig``.
    """

    instrument_id: InstrumentId
    bar_type: BarType
    fast: Period = 10
    slow: Period = 30
    kind: Literal["ema", "sma"] = "ema"
    allow_short: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be less than slow ({self.slow})")


class MovingAverageCross(SizedStrategy):
    """Holds the side the averages point to; trades only when that side changes.

    Once both averages are warmed up (``slow`` bars), each bar's target is long when
    fast > slow, else short (``allow_short``) or flat. A change of target closes the current
    position at market and opens the new one; the first warmed-up bar enters if the target is long
    (or short). The indicators are NautilusTrader's own, registered for bar updates, so they
    have seen the bar before ``on_bar`` runs.
    """

    def __init__(self, config: MovingAverageCrossConfig) -> None:
        super().__init__(config)
        average = ExponentialMovingAverage if config.kind == "ema" else SimpleMovingAverage
        self.fast_ma = average(config.fast)
        self.slow_ma = average(config.slow)
        self.instrument: Instrument | None = None

    def on_start(self) -> None:
        """Look up the instrument, register the averages and subscribe to the bars."""
        if not self.find_instrument():
            return
        self.register_indicator_for_bars(self.config.bar_type, self.fast_ma)
        self.register_indicator_for_bars(self.config.bar_type, self.slow_ma)
        self.subscribe_bars(self.config.bar_type)

    def target_side(self) -> int:
        """+1 long, -1 short, 0 flat, from the current averages."""
        if self.fast_ma.value > self.slow_ma.value:
            return 1
        return -1 if self.config.allow_short else 0

    def held_side(self) -> int:
        """+1 net long, -1 net short, 0 flat."""
        instrument_id = self.config.instrument_id
        if self.portfolio.is_net_long(instrument_id):
            return 1
        return -1 if self.portfolio.is_net_short(instrument_id) else 0

    def on_bar(self, bar: Bar) -> None:
        """Move the position to the target side when it differs from the held side."""
        if not self.indicators_initialized():
            return
        target, held = self.target_side(), self.held_side()
        if target == held:
            return
        if held != 0:
            self.close_all_positions(self.config.instrument_id)
        if target != 0:
            self.enter_market(OrderSide.BUY if target > 0 else OrderSide.SELL, bar, "staying out")

    def on_reset(self) -> None:
        """Reset both averages."""
        self.fast_ma.reset()
        self.slow_ma.reset()
