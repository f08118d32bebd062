"""``MLStrategyConfig``: everything an ML strategy needs, frozen (see README.md for the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

Fraction = Annotated[float, msgspec.Meta(gt=0.0, le=1.0)]
Threshold = Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]
Multiplier = Annotated[float, msgspec.Meta(gt=0.0, le=1.0)]
NonNegInt = Annotated[int, msgspec.Meta(ge=0)]


class MLStrategyConfig(StrategyConfig, frozen=True, kw_only=True):
    """Configuration of ``MLStrategy``.

    Model: ``model`` is ``NAME[:VERSION]`` in the model catalog at ``model_root``; ``model_kind``
    (set by the registry short names) must match the stored kind; ``features`` (``default`` or a
    FeatureSet JSON file) pins the features the model must have been trained on.
    Decision: buy when P(buy) >= ``threshold`` (and >= P(sell)); sell (exit) when P(sell) >=
    ``threshold`` and > P(buy). Sizing: entries buy ``position_fraction`` of equity (times the scar
    size multiplier), capped by ``max_position`` (base units) and the free quote balance after fees.
    ``cooldown_bars`` bars must pass after an order before the next signal-driven order.
    ``fast_path`` (backtests): features and predictions batched up front, from the bars the engine
    replays (handed over by ``engine.backtest.execution.add_strategy``) or else from ``catalog``.
    Scars: drawdown / trade-loss thresholds (fractions of equity) and per-severity effects.
    """

    instrument_id: InstrumentId
    bar_type: BarType
    model: str
    model_root: str = "catalogs/models"
    model_kind: str | None = None
    features: str | None = None
    threshold: Threshold = 0.5
    position_fraction: Fraction = 0.5
    max_position: Decimal | None = None
    cooldown_bars: NonNegInt = 0
    warmup_bars: NonNegInt = 0
    fee_buffer: Annotated[float, msgspec.Meta(ge=0.0, lt=0.1)] = 0.001
    fast_path: bool = True
    catalog: str | None = None
    agent_id: str | None = None
    scars: bool = True
    scar_dd_light: Threshold = 0.05
    scar_dd_moderate: Threshold = 0.10
    scar_dd_severe: Threshold = 0.20
    scar_trade_light: Threshold = 0.01
    scar_trade_moderate: Threshold = 0.03
    scar_trade_severe: Threshold = 0.06
    light_size_multiplier: Multiplier = 1.0
    moderate_size_multiplier: Multiplier = 0.5
    severe_size_multiplier: Multiplier = 1.0
    light_pause_bars: NonNegInt = 0
    moderate_pause_bars: NonNegInt = 0
    severe_pause_bars: NonNegInt = 48
    close_positions_on_stop: bool = True

    def __post_init__(self) -> None:
        if self.max_position is not None and self.max_position <= 0:
            raise ValueError(f"max_position must be > 0 base units, got {self.max_position}")
