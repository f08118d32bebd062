"""``QAgentStrategy``: one saved ``QAgent`` trading through NautilusTrader (backtest or live).

Champions of the arena run through the same engine path as every other strategy. The agent is
loaded from its safetensors file (weights digest checked); the file's metadata carries the feature
names and the training-period standardisation, so the state vector is built exactly as in training:
``StreamingFeatures`` over the bars, standardised and clipped, plus the agent's own four features.

Decisions are GREEDY (no exploration, no online learning): the evaluation measures the champion as
it was archived. Scars are not tracked here (scar count 0 in the state). On each bar (known at its
close, ``ts_init``) the agent picks a target exposure; the strategy trades the difference with a
market order (filled by the engine, i.e. at the bar's close in bar-execution mode, where the fast
simulator fills at the next open). Spot CASH accounts cannot short: negative targets trade as flat,
and long exposure is capped at ``max_exposure`` so fees fit.
"""

from __future__ import annotations

import json
from collections import deque
from decimal import ROUND_DOWN, Decimal

import numpy as np
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.events import PositionClosed
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from engine.errors import ArtifactError
from strategies.agents.agent import QAgent
from strategies.agents.runner import WIN_WINDOW
from strategies.agents.state import build_state

FEATURES_META = "features"  # safetensors metadata key: JSON {"names", "mean", "std"}


class QAgentStrategyConfig(StrategyConfig, frozen=True, kw_only=True):
    """``weights_path``: a ``QAgent.save`` file whose metadata holds ``features``;
    ``weights_digest``: expected sha256 of the weights (empty = not checked);
    ``max_exposure``: cap on the long exposure (fraction of equity)."""

    instrument_id: InstrumentId
    bar_type: BarType
    weights_path: str
    weights_digest: str = ""
    max_exposure: float = 0.95
    close_positions_on_stop: bool = True


class QAgentStrategy(Strategy):
    """A greedy ``QAgent`` deciding a target exposure on every bar."""

    def __init__(self, config: QAgentStrategyConfig) -> None:
        super().__init__(config)
        from indicators import FeatureSet, StreamingFeatures

        meta = QAgent.metadata(config.weights_path)
        self.agent = QAgent.load(config.weights_path, seed=0)
        if config.weights_digest and self.agent.weights_digest() != config.weights_digest:
            raise ArtifactError(
                f"{config.weights_path}: weights digest {self.agent.weights_digest()} != expected "
                f"{config.weights_digest}"
            )
        try:
            feats = json.loads(meta[FEATURES_META])
            names = list(feats["names"])
            self._mean = np.asarray(feats["mean"], dtype=np.float64)
            self._std = np.asarray(feats["std"], dtype=np.float64)
            self._clip = float(feats.get("clip", 5.0))
        except (KeyError, ValueError, TypeError) as exc:
            raise ArtifactError(
                f"{config.weights_path}: metadata '{FEATURES_META}': expected JSON with names, mean, std"
            ) from exc
        if len(names) != self.agent.config.n_features:
            raise ArtifactError(
                f"{config.weights_path}: {len(names)} feature names for an agent of "
                f"{self.agent.config.n_features} features"
            )
        self.features = StreamingFeatures(FeatureSet.from_names(names))
        self.instrument: Instrument | None = None
        self.initial_equity: float | None = None
        self.wins: deque[bool] = deque(maxlen=WIN_WINDOW)
        self.decisions = 0

    def on_start(self) -> None:
        """Look up the instrument and subscribe to the bars."""
        self.instrument = self.cache.instrument(self.config.instrument_id)
        if self.instrument is None:
            self.log.error(f"Could not find instrument {self.config.instrument_id}")
            self.stop()
            return
        self.subscribe_bars(self.config.bar_type)

    def _equity(self, close: float) -> tuple[float, float]:
        """(equity in quote currency, units held) at ``close``."""
        account = self.portfolio.account(self.instrument.id.venue)
        quote = account.balance_total(self.instrument.quote_currency) if account else None
        cash = quote.as_double() if quote is not None else 0.0
        units = float(self.portfolio.net_position(self.instrument.id))
        return cash + units * close, units

    def on_bar(self, bar: Bar) -> None:
        """Update features; once warm, act greedily and trade towards the chosen target exposure."""
        row = self.features.update(
            bar.ts_init,
            bar.open.as_double(),
            bar.high.as_double(),
            bar.low.as_double(),
            bar.close.as_double(),
            bar.volume.as_double(),
        )
        if not np.isfinite(row).all():
            return
        close = bar.close.as_double()
        equity, units = self._equity(close)
        if equity <= 0:
            return
        if self.initial_equity is None:
            self.initial_equity = equity
        scaled = np.clip((row - self._mean) / self._std, -self._clip, self._clip)
        ratio = sum(self.wins) / len(self.wins) if self.wins else 0.5
        state = build_state(scaled, equity / self.initial_equity, units * close / equity, 0, ratio)
        target = self.agent.config.actions[self.agent.act(state, greedy=True)]
        self.decisions += 1
        if target is None:
            return
        target = min(max(float(target), 0.0), self.config.max_exposure)
        self._trade_to(target * equity / close - units, units)

    def _trade_to(self, delta: float, units: float) -> None:
        inst = self.instrument
        side = OrderSide.BUY if delta > 0 else OrderSide.SELL
        size = abs(delta) if delta > 0 else min(abs(delta), units)
        step = Decimal(1).scaleb(-inst.size_precision)
        qty = inst.make_qty(Decimal(repr(size)).quantize(step, rounding=ROUND_DOWN))
        if qty.as_decimal() <= 0 or (inst.min_quantity is not None and qty < inst.min_quantity):
            return
        order = self.order_factory.market(
            instrument_id=inst.id, order_side=side, quantity=qty, time_in_force=TimeInForce.GTC
        )
        self.submit_order(order)

    def on_event(self, event: object) -> None:
        """Count closed trades for the state's win ratio."""
        if isinstance(event, PositionClosed):
            self.wins.append(event.realized_pnl.as_double() > 0)

    def on_stop(self) -> None:
        """Cancel open orders and, if configured, close the position."""
        self.cancel_all_orders(self.config.instrument_id)
        if self.config.close_positions_on_stop:
            self.close_all_positions(self.config.instrument_id)
        self.unsubscribe_bars(self.config.bar_type)
