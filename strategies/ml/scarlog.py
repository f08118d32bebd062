"""Scar policy from the strategy config, and Scar payloads to/from ``engine.events.Scar``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from engine.events import Scar as ScarEvent
from engine.events import encode_json
from strategies.ml.config import MLStrategyConfig
from strategies.scars import SCAR, ScarEffects, ScarPolicy, SeverityThresholds


def scar_policy(config: MLStrategyConfig, ts_per_bar: int) -> ScarPolicy:
    """The ``ScarPolicy`` of ``config``; ``ts_per_bar`` (ns per bar) turns pause bars into time.

    Kill rules are off: an ML strategy keeps trading (with its scars' effects) until stopped.
    """
    return ScarPolicy(
        drawdown=SeverityThresholds(config.scar_dd_light, config.scar_dd_moderate, config.scar_dd_severe),
        trade_loss=SeverityThresholds(
            config.scar_trade_light, config.scar_trade_moderate, config.scar_trade_severe
        ),
        light=ScarEffects(size_multiplier=config.light_size_multiplier, pause_bars=config.light_pause_bars),
        moderate=ScarEffects(
            size_multiplier=config.moderate_size_multiplier, pause_bars=config.moderate_pause_bars
        ),
        severe=ScarEffects(
            size_multiplier=config.severe_size_multiplier, pause_bars=config.severe_pause_bars
        ),
        max_weighted_scars=None,
        max_scars=(None, None, None),
        capital_floor=0.0,
        ts_per_bar=ts_per_bar,
    )


def to_event(data: Mapping[str, Any]) -> ScarEvent:
    """The bus event of a ``strategies.scars.Scar.to_event()`` payload (its ``ts`` is ns)."""
    ts = int(data["ts"])
    return ScarEvent(
        ts_event=ts,
        ts_init=ts,
        agent_id=str(data["agent_id"]),
        severity=str(data["severity"]),
        kind=str(data["kind"]),
        loss_fraction=float(data["loss_fraction"]),
        equity=str(data["equity"]),
        peak=str(data["peak"]),
        effects=encode_json(data["effects"]),
        weight=float(data["weight"]),
        ordinal=int(data["ordinal"]),
        paused_until=int(data["paused_until"]),
    )


def from_record(data: Mapping[str, Any]) -> dict[str, Any]:
    """The scar payload of a recorded ``Scar`` event (the log's canonical dict)."""
    out = {k: data[k] for k in ("agent_id", "severity", "kind", "loss_fraction", "equity", "peak")}
    out.update(
        effects=json.loads(data["effects"]),
        weight=float(data["weight"]),
        ordinal=int(data["ordinal"]),
        paused_until=int(data["paused_until"]),
        ts=int(data["ts_event"]),
    )
    return out


def scar_events(records: Iterable[Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(SCAR, payload)`` pairs of the ``Scar`` records in a run log, for ``fold_condition``."""
    return [(SCAR, from_record(r.data)) for r in records if r.kind == SCAR]
