"""``MLStrategy``: bar -> model probabilities -> ``ModelDecision`` event -> order, with scars.

Per bar (``ts_init`` = bar close): mark equity (drawdown scars), read the decision inputs
(streaming or fast path), apply the decision rule (``decision.signal``), the scar condition
(pause, size multiplier) and the cooldown, publish one ``ModelDecision`` per post-warm-up bar,
then submit at most one market order. Closed losing trades feed trade-loss scars.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from nautilus_trader.model.data import Bar, DataType
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.events import PositionClosed
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from engine.catalog import bars_frame
from engine.catalog.query import bars_to_frame
from engine.errors import ArtifactError, LineageError
from engine.events import ModelDecision, decision_factory
from engine.events import Scar as ScarEvent
from engine.models import ModelCatalog
from indicators import FeatureSet
from strategies.ml.config import MLStrategyConfig
from strategies.ml.decision import BUY, HOLD, SELL, entry_quantity
from strategies.ml.inputs import BatchInputs, StreamingInputs
from strategies.ml.scarlog import from_record, scar_policy, to_event
from strategies.scars import SCAR, AgentCondition, ScarTracker, fold_condition


def scar_events_from_payloads(payloads: list[dict]) -> list[tuple[str, dict]]:
    """``(SCAR, payload)`` pairs of recorded ``Scar`` payloads, for ``fold_condition``."""
    return [(SCAR, from_record(p)) for p in payloads]


def resolve_features(spec: str | None) -> FeatureSet | None:
    """``None``, ``default`` or a FeatureSet JSON file."""
    if spec is None:
        return None
    if spec == "default":
        return FeatureSet.default()
    path = Path(spec)
    if not path.is_file():
        raise LineageError(f"features {spec!r}: no such file; expected 'default' or a FeatureSet JSON file")
    return FeatureSet.from_json(path.read_text(), source=str(path))


_HOLD_SIGNAL, _HOLD_IN_POSITION, _HOLD_FLAT = f"{HOLD}:signal", f"{HOLD}:in-position", f"{HOLD}:flat"


class MLStrategy(Strategy):
    """Trades one instrument's bars on a catalog model's probabilities (long-only, CASH accounts)."""

    def __init__(self, config: MLStrategyConfig) -> None:
        super().__init__(config)
        self.instrument: Instrument | None = None
        self.model = None
        self.card = None
        self.feature_set: FeatureSet | None = None
        self.warmup = 0
        self.inputs: StreamingInputs | BatchInputs | None = None
        self.tracker: ScarTracker | None = None
        self.scar_log: list[tuple[str, dict]] = []
        self.condition = AgentCondition()
        self.decisions = 0
        self._last_order_bar = -(10**9)
        self._bar_index = -1
        self._last_bar: Bar | None = None
        self._account = None
        self._totals_event = None
        self._totals: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))
        self._replay_bars: Sequence[Bar] | None = None

    def attach_replay_bars(self, bars: Sequence[Bar]) -> None:
        """The bars a backtest engine is about to replay (``engine.backtest.execution.add_strategy``
        calls this): the fast path builds its batch from them, not from the catalog."""
        self._replay_bars = bars

    # -- lifecycle ------------------------------------------------------------------------
    def on_start(self) -> None:
        """Load and verify the model (feature digest enforced), then subscribe to bars."""
        cfg = self.config
        self.instrument = self.cache.instrument(cfg.instrument_id)
        if self.instrument is None:
            raise LineageError(f"MLStrategy: instrument {cfg.instrument_id} is not in the cache")
        catalog = ModelCatalog(cfg.model_root)
        card = catalog.verify(cfg.model)
        if cfg.model_kind is not None and card.kind != cfg.model_kind:
            raise ArtifactError(
                f"model {cfg.model}: kind is {card.kind!r}; expected {cfg.model_kind!r} (the strategy's name)"
            )
        if card.feature_set is None:
            raise ArtifactError(f"model {cfg.model}: card has no 'feature_set'; expected one from training")
        fs = resolve_features(cfg.features) or FeatureSet.from_json(
            json.dumps(card.feature_set), source=f"model {cfg.model} card field 'feature_set'"
        )
        self.model, self.card = catalog.load(cfg.model, expect_feature_digest=fs.digest)
        self.feature_set = fs
        trained_warmup = int((card.extra or {}).get("warmup", 0))
        self.warmup = max(fs.warmup, trained_warmup, cfg.warmup_bars)
        # per-decision constants, computed once
        self._model_id = str(self.card.name) + ":" + str(self.card.version)
        self._artifact_hash = self.card.artifact_digest
        self._feature_digest = fs.digest
        self._decision_type = DataType(ModelDecision)
        self._decision_topic = f"data.{self._decision_type.topic}"  # as ``publish_data`` writes it
        self._new_decision = decision_factory(
            self._model_id, self._artifact_hash, self._feature_digest, cfg.instrument_id
        )
        self.subscribe_bars(cfg.bar_type)

    def on_stop(self) -> None:
        """Cancel open orders and, if configured, close the position."""
        self.cancel_all_orders(self.config.instrument_id)
        if self.config.close_positions_on_stop:
            self.close_all_positions(self.config.instrument_id)
        self.unsubscribe_bars(self.config.bar_type)

    def on_resume(self, state) -> None:
        """Continue a restarted paper session (``engine.paper.resume.SessionState``): the agent's
        scars from the log are folded back (``fold_condition``), so their effects (size, pause)
        hold after the restart and new scars continue the ordinal count."""
        self.scar_log = scar_events_from_payloads(state.scars)
        self.condition = fold_condition(self.scar_log, self.config.agent_id or str(self.id))

    # -- per bar --------------------------------------------------------------------------
    def _first_bar(self, bar: Bar) -> None:
        cfg = self.config
        replay = self._replay_bars
        if cfg.fast_path and replay and replay[0] is bar:
            frame = bars_to_frame(replay)
            self.inputs = BatchInputs(frame, self.feature_set, self.model, self.warmup, cfg.threshold, replay)
        elif cfg.fast_path and cfg.catalog:
            frame = bars_frame(cfg.catalog, str(cfg.instrument_id), str(cfg.bar_type.spec), start=bar.ts_init)
            self.inputs = BatchInputs(frame, self.feature_set, self.model, self.warmup, cfg.threshold)
        else:
            self.inputs = StreamingInputs(self.feature_set, self.model, self.warmup, cfg.threshold)
        if cfg.scars:
            ts_per_bar = int(cfg.bar_type.spec.timedelta.total_seconds() * 1_000_000_000)
            self.tracker = ScarTracker(
                cfg.agent_id or str(self.id),
                scar_policy(cfg, ts_per_bar),
                self._equity(bar.close.as_decimal()),
                emit=self._emit_scar,
            )
            self.tracker.condition = self.condition  # scars folded from the log on resume

    def on_bar(self, bar: Bar) -> None:
        """One decision per post-warm-up bar (see the module docstring)."""
        if self.inputs is None:
            self._first_bar(bar)
        self._bar_index += 1
        self._last_bar = bar  # its close is read only where money is computed
        ts = bar.ts_init
        if self.tracker is not None:
            self.tracker.update_equity(self._equity(bar.close.as_decimal()), ts)
        step = self.inputs.step(bar)
        if step is None:
            return
        text, sig, confidence = step
        if sig == HOLD and ts >= self.condition.paused_until:  # not paused (``is_paused``, inline)
            action, order = _HOLD_SIGNAL, None  # whatever the position (most bars)
        else:
            action, order = self._act(sig, bar, ts)
        self.decisions += 1
        # ``publish_data(self._decision_type, ...)`` without its per-call checks and topic text
        self.msgbus.publish(self._decision_topic, self._new_decision(ts, text, action, confidence))
        if order is not None:
            self._last_order_bar = self._bar_index
            self.submit_order(order)

    def _act(self, sig: str, bar: Bar, ts: int):
        """(action text, order or None): ``buy:signal``, ``sell:signal``, ``sell:paused`` or
        ``hold:<reason>``."""
        cfg = self.config
        paused = self.condition.is_paused(ts)
        if sig == HOLD and not paused:
            return _HOLD_SIGNAL, None  # whatever the position
        flat = self.portfolio.is_flat(cfg.instrument_id)
        if paused:
            if not flat:
                return f"{SELL}:paused", self._exit_order()
            return f"{HOLD}:paused", None
        if (sig == BUY) != flat:  # buy while long, or sell while flat
            return (_HOLD_IN_POSITION if sig == BUY else _HOLD_FLAT), None
        if self._bar_index - self._last_order_bar < cfg.cooldown_bars:
            return f"{HOLD}:cooldown", None
        if sig == SELL:
            return f"{SELL}:signal", self._exit_order()
        qty = self._entry_quantity(bar.close.as_decimal())
        if qty is None:
            return f"{HOLD}:size", None
        order = self.order_factory.market(
            instrument_id=cfg.instrument_id,
            order_side=OrderSide.BUY,
            quantity=qty,
            time_in_force=TimeInForce.GTC,
        )
        return f"{BUY}:signal", order

    def _exit_order(self):
        qty = self.portfolio.net_position(self.config.instrument_id)
        return self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=OrderSide.SELL,
            quantity=self.instrument.make_qty(abs(qty)),
            time_in_force=TimeInForce.GTC,
            reduce_only=False,
        )

    # -- money ----------------------------------------------------------------------------
    def _balances(self) -> tuple[Decimal, Decimal, Decimal]:
        """(quote total, quote free, base total) of the venue's account."""
        account = self.portfolio.account(self.config.instrument_id.venue)
        inst = self.instrument
        zero = Decimal(0)
        if account is None:
            return zero, zero, zero
        q_total = account.balance_total(inst.quote_currency)
        q_free = account.balance_free(inst.quote_currency)
        b_total = account.balance_total(inst.base_currency) if inst.base_currency is not None else None
        return (
            q_total.as_decimal() if q_total is not None else zero,
            q_free.as_decimal() if q_free is not None else zero,
            b_total.as_decimal() if b_total is not None else zero,
        )

    def _equity(self, close: Decimal) -> Decimal:
        """Quote total + base total x close. Totals change only with a new ``AccountState``, so
        they are re-read only when the account's last event changes (equity is marked every bar)."""
        if self._account is None:
            self._account = self.portfolio.account(self.config.instrument_id.venue)
        last = self._account.last_event if self._account is not None else None
        if last is None or last is not self._totals_event:
            q_total, _, b_total = self._balances()
            self._totals = (q_total, b_total)
            self._totals_event = last
        q_total, b_total = self._totals
        return q_total + b_total * close

    def _entry_quantity(self, close: Decimal):
        inst = self.instrument
        q_total, q_free, b_total = self._balances()
        qty = entry_quantity(
            equity=q_total + b_total * close,
            free_quote=q_free,
            price=close,
            fraction=self.config.position_fraction,
            size_multiplier=self.condition.size_multiplier,
            fee_rate=inst.taker_fee,
            fee_buffer=self.config.fee_buffer,
            max_position=self.config.max_position,
            size_precision=inst.size_precision,
        )
        if qty <= 0:
            return None
        quantity = inst.make_qty(qty)
        if inst.min_quantity is not None and quantity < inst.min_quantity:
            return None
        return quantity

    # -- scars ----------------------------------------------------------------------------
    def on_position_closed(self, event: PositionClosed) -> None:
        """A closed trade's realised PnL feeds the trade-loss scars."""
        if self.tracker is None or self._last_bar is None:
            return
        pnl = event.realized_pnl.as_decimal() if event.realized_pnl is not None else Decimal(0)
        self.tracker.record_trade(pnl, self._equity(self._last_bar.close.as_decimal()), event.ts_event)

    def _emit_scar(self, kind: str, data: dict) -> None:
        """Publish the scar and rebuild the condition by folding every scar event so far."""
        self.scar_log.append((kind, data))
        self.condition = fold_condition(self.scar_log, self.tracker.agent_id if self.tracker else None)
        self.publish_data(DataType(ScarEvent), to_event(data))
