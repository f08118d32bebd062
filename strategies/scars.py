"""Scars: permanent marks an agent receives when a loss crosses a threshold.

A scar fires when the drawdown from the agent's equity peak, or the loss of one closed trade, crosses
the light / moderate / severe threshold of its ``ScarPolicy`` (fractions of equity). Each scar is an
event (``kind == "Scar"``) carrying its resolved effects, so an agent's condition (exploration boost,
position-size multiplier, trust, pause, alive/dead) is a pure fold over its events: ``fold_condition``.

Rules
- Drawdown scars fire once per severity level per drawdown episode. When several levels are crossed at
  once only the highest fires and the lower ones count as spent; the episode ends (all levels re-arm)
  when equity makes a new peak. Hence at most three drawdown scars per episode, never a scar storm.
- A losing trade fires at most one scar, of the highest severity its loss fraction reaches; the
  fraction is ``-pnl / (equity - pnl)``, i.e. relative to the equity before the loss was realised.
- ``ts`` is an integer clock chosen by the caller (bar index in the fast simulator, nanoseconds in a
  NautilusTrader run); ``ScarPolicy.ts_per_bar`` converts ``pause_bars`` into that clock.
- Money (equity, peak) is ``Decimal``; events carry it as a decimal string.

This module does not import torch: ML strategies and the Q-learning agents share it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import IntEnum
from typing import Any

from engine.errors import LineageError

SCAR = "Scar"
AGENT_SPAWNED = "AgentSpawned"
AGENT_DIED = "AgentDied"

Emit = Callable[[str, dict], None]


class ScarPolicyError(LineageError):
    """A ``ScarPolicy`` (or one of its parts) holds an invalid value; the message names the field."""


class Severity(IntEnum):
    """Scar severity; the integer value orders them."""

    LIGHT = 0
    MODERATE = 1
    SEVERE = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Severity:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ScarPolicyError(
                f"scar severity: expected one of light, moderate, severe, got {label!r}"
            ) from None


@dataclass(frozen=True)
class SeverityThresholds:
    """Loss fractions (of equity) at which light, moderate and severe scars fire."""

    light: float
    moderate: float
    severe: float

    def check(self, name: str) -> None:
        """Raise ``ScarPolicyError`` unless ``0 < light < moderate < severe < 1``."""
        values = (self.light, self.moderate, self.severe)
        if not all(isinstance(v, int | float) for v in values) or not (
            0.0 < self.light < self.moderate < self.severe < 1.0
        ):
            raise ScarPolicyError(
                f"ScarPolicy.{name}: thresholds must satisfy 0 < light < moderate < severe < 1, "
                f"got light={self.light!r} moderate={self.moderate!r} severe={self.severe!r}"
            )

    def level(self, fraction: float) -> Severity | None:
        """The highest severity whose threshold ``fraction`` reaches, or None."""
        for sev, threshold in ((Severity.SEVERE, self.severe), (Severity.MODERATE, self.moderate)):
            if fraction >= threshold:
                return sev
        return Severity.LIGHT if fraction >= self.light else None


@dataclass(frozen=True)
class ScarEffects:
    """What one scar does to its agent.

    ``exploration_boost`` is added to the agent's epsilon, ``size_multiplier`` (0 < m <= 1) multiplies
    its position sizes, ``weight_perturbation_std`` is the std of Gaussian noise added to its model
    weights, ``trust_delta`` is added to its trust (clamped to [0, 1]) and ``pause_bars`` makes it sit
    flat for that many bars.
    """

    exploration_boost: float = 0.0
    size_multiplier: float = 1.0
    weight_perturbation_std: float = 0.0
    trust_delta: float = 0.0
    pause_bars: int = 0

    def check(self, name: str) -> None:
        if not 0.0 <= self.exploration_boost <= 1.0:
            raise ScarPolicyError(
                f"ScarPolicy.{name}.exploration_boost: expected 0..1, got {self.exploration_boost!r}"
            )
        if not 0.0 < self.size_multiplier <= 1.0:
            raise ScarPolicyError(
                f"ScarPolicy.{name}.size_multiplier: expected 0 < m <= 1, got {self.size_multiplier!r}"
            )
        if not self.weight_perturbation_std >= 0.0:
            raise ScarPolicyError(
                f"ScarPolicy.{name}.weight_perturbation_std: expected >= 0, "
                f"got {self.weight_perturbation_std!r}"
            )
        if not -1.0 <= self.trust_delta <= 1.0:
            raise ScarPolicyError(f"ScarPolicy.{name}.trust_delta: expected -1..1, got {self.trust_delta!r}")
        if not isinstance(self.pause_bars, int) or self.pause_bars < 0:
            raise ScarPolicyError(
                f"ScarPolicy.{name}.pause_bars: expected an integer >= 0, got {self.pause_bars!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "exploration_boost": self.exploration_boost,
            "size_multiplier": self.size_multiplier,
            "weight_perturbation_std": self.weight_perturbation_std,
            "trust_delta": self.trust_delta,
            "pause_bars": self.pause_bars,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScarEffects:
        return cls(
            exploration_boost=float(data["exploration_boost"]),
            size_multiplier=float(data["size_multiplier"]),
            weight_perturbation_std=float(data["weight_perturbation_std"]),
            trust_delta=float(data["trust_delta"]),
            pause_bars=int(data["pause_bars"]),
        )


@dataclass(frozen=True)
class ScarPolicy:
    """Thresholds, effects and kill rules of scars (validated on construction).

    Kill rules: the agent dies when its weighted scar count exceeds ``max_weighted_scars``, when its
    count of one severity exceeds ``max_scars[severity]`` (None = unlimited), or when its equity falls
    below ``capital_floor`` x its initial equity.
    """

    drawdown: SeverityThresholds = SeverityThresholds(0.05, 0.10, 0.20)
    trade_loss: SeverityThresholds = SeverityThresholds(0.01, 0.03, 0.06)
    light: ScarEffects = ScarEffects(0.02, 0.95, 0.0, -0.02, 0)
    moderate: ScarEffects = ScarEffects(0.05, 0.85, 0.001, -0.05, 5)
    severe: ScarEffects = ScarEffects(0.10, 0.70, 0.005, -0.10, 20)
    severity_weights: tuple[float, float, float] = (1.0, 2.0, 4.0)
    max_weighted_scars: float | None = 40.0
    max_scars: tuple[int | None, int | None, int | None] = (None, None, 6)
    capital_floor: float = 0.5
    ts_per_bar: int = 1

    def __post_init__(self) -> None:
        self.drawdown.check("drawdown")
        self.trade_loss.check("trade_loss")
        for sev in Severity:
            self.effects(sev).check(sev.label)
        if len(self.severity_weights) != 3 or not all(w > 0 for w in self.severity_weights):
            raise ScarPolicyError(
                f"ScarPolicy.severity_weights: expected three positive numbers, got {self.severity_weights!r}"
            )
        if self.max_weighted_scars is not None and not self.max_weighted_scars > 0:
            raise ScarPolicyError(
                f"ScarPolicy.max_weighted_scars: expected > 0 or None, got {self.max_weighted_scars!r}"
            )
        if len(self.max_scars) != 3 or not all(
            m is None or (isinstance(m, int) and m >= 0) for m in self.max_scars
        ):
            raise ScarPolicyError(
                f"ScarPolicy.max_scars: expected three integers >= 0 or None, got {self.max_scars!r}"
            )
        if not 0.0 <= self.capital_floor < 1.0:
            raise ScarPolicyError(
                f"ScarPolicy.capital_floor: expected 0 <= floor < 1, got {self.capital_floor!r}"
            )
        if not isinstance(self.ts_per_bar, int) or self.ts_per_bar <= 0:
            raise ScarPolicyError(f"ScarPolicy.ts_per_bar: expected an integer > 0, got {self.ts_per_bar!r}")

    def effects(self, severity: Severity) -> ScarEffects:
        return (self.light, self.moderate, self.severe)[severity]

    def weight(self, severity: Severity) -> float:
        return float(self.severity_weights[severity])

    def death_reason(self, condition: AgentCondition, equity: Decimal, initial_equity: Decimal) -> str | None:
        """The kill rule the agent breaks (a short reason string), or None if it may live."""
        if self.max_weighted_scars is not None and condition.weighted_scars > self.max_weighted_scars:
            return f"scar_limit: weighted scars {condition.weighted_scars:g} > {self.max_weighted_scars:g}"
        for sev in Severity:
            limit = self.max_scars[sev]
            if limit is not None and condition.scar_counts[sev] > limit:
                return f"scar_limit: {condition.scar_counts[sev]} {sev.label} scars > {limit}"
        floor = initial_equity * Decimal(str(float(self.capital_floor)))
        if equity < floor:
            return f"capital_floor: equity {equity} < floor {floor}"
        return None


@dataclass(frozen=True)
class Scar:
    """One scar record; ``to_event()`` is the payload of its ``Scar`` event."""

    agent_id: str
    severity: Severity
    kind: str  # "drawdown" | "trade_loss"
    loss_fraction: float
    equity: Decimal
    peak: Decimal
    effects: ScarEffects
    weight: float
    ts: int
    ordinal: int
    paused_until: int

    def to_event(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "severity": self.severity.label,
            "kind": self.kind,
            "loss_fraction": self.loss_fraction,
            "equity": str(self.equity),
            "peak": str(self.peak),
            "effects": self.effects.to_dict(),
            "weight": self.weight,
            "ts": self.ts,
            "ordinal": self.ordinal,
            "paused_until": self.paused_until,
        }

    @classmethod
    def from_event(cls, data: Mapping[str, Any]) -> Scar:
        return cls(
            agent_id=str(data["agent_id"]),
            severity=Severity.from_label(data["severity"]),
            kind=str(data["kind"]),
            loss_fraction=float(data["loss_fraction"]),
            equity=Decimal(str(data["equity"])),
            peak=Decimal(str(data["peak"])),
            effects=ScarEffects.from_dict(data["effects"]),
            weight=float(data["weight"]),
            ts=int(data["ts"]),
            ordinal=int(data["ordinal"]),
            paused_until=int(data["paused_until"]),
        )


@dataclass(frozen=True)
class AgentCondition:
    """An agent's scar-driven state: a pure function of its ``AgentSpawned``/``Scar``/``AgentDied`` events."""

    agent_id: str | None = None
    alive: bool = True
    exploration_boost: float = 0.0
    size_multiplier: float = 1.0
    trust: float = 1.0
    paused_until: int = -1
    scar_counts: tuple[int, int, int] = (0, 0, 0)
    weighted_scars: float = 0.0
    death_reason: str | None = None
    scars: tuple[Scar, ...] = field(default=(), repr=False)

    @property
    def total_scars(self) -> int:
        return sum(self.scar_counts)

    def is_paused(self, ts: int) -> bool:
        return ts < self.paused_until

    def apply(self, kind: str, data: Mapping[str, Any]) -> AgentCondition:
        """The condition after one event (events of other agents or kinds leave it unchanged)."""
        if self.agent_id is not None and data.get("agent_id") != self.agent_id:
            return self
        if kind == AGENT_SPAWNED:
            return AgentCondition(agent_id=str(data["agent_id"]))
        if kind == AGENT_DIED:
            return replace(self, alive=False, death_reason=str(data["reason"]))
        if kind != SCAR:
            return self
        scar = Scar.from_event(data)
        counts = list(self.scar_counts)
        counts[scar.severity] += 1
        fx = scar.effects
        return replace(
            self,
            agent_id=scar.agent_id,
            exploration_boost=min(1.0, self.exploration_boost + fx.exploration_boost),
            size_multiplier=self.size_multiplier * fx.size_multiplier,
            trust=min(1.0, max(0.0, self.trust + fx.trust_delta)),
            paused_until=max(self.paused_until, scar.paused_until),
            scar_counts=(counts[0], counts[1], counts[2]),
            weighted_scars=self.weighted_scars + scar.weight,
            scars=(*self.scars, scar),
        )


def fold_condition(
    events: Iterable[tuple[str, Mapping[str, Any]]], agent_id: str | None = None
) -> AgentCondition:
    """Rebuild an agent's condition from ``(kind, data)`` events; ``agent_id`` filters a shared stream."""
    condition = AgentCondition(agent_id=agent_id)
    for kind, data in events:
        condition = condition.apply(kind, data)
    return condition


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """Money as Decimal; floats go through their shortest repr so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(float(value)))
    return Decimal(value)


class ScarTracker:
    """Watches one agent's equity and closed trades and issues its scars.

    The tracker keeps the agent's live ``condition`` by applying each scar's own event payload, the same
    fold replay uses. If ``emit`` is given, every scar is emitted as a ``Scar`` event.
    """

    def __init__(
        self,
        agent_id: str,
        policy: ScarPolicy,
        initial_equity: Decimal | float | int | str,
        emit: Emit | None = None,
    ) -> None:
        self.agent_id = agent_id
        self.policy = policy
        self.initial_equity = to_decimal(initial_equity)
        if self.initial_equity <= 0:
            raise ScarPolicyError(
                f"ScarTracker({agent_id}): initial equity must be > 0, got {initial_equity}"
            )
        self.peak = self.initial_equity
        self.equity = self.initial_equity
        self.condition = AgentCondition(agent_id=agent_id)
        self._episode_level = -1  # highest drawdown severity fired since the last peak
        self._emit = emit

    @property
    def emit(self) -> Emit | None:
        """Where scar events go (None = nowhere); swap it to buffer events in a worker process."""
        return self._emit

    @emit.setter
    def emit(self, emit: Emit | None) -> None:
        self._emit = emit

    def update_equity(self, equity: Decimal | float | int | str, ts: int) -> list[Scar]:
        """Feed the latest equity mark; returns the drawdown scar it fires (zero or one)."""
        equity = to_decimal(equity)
        self.equity = equity
        if equity > self.peak:
            self.peak = equity
            self._episode_level = -1
            return []
        drawdown = float((self.peak - equity) / self.peak) if equity > 0 else 1.0
        level = self.policy.drawdown.level(drawdown)
        if level is None or level <= self._episode_level:
            return []
        self._episode_level = int(level)
        return [self._issue(level, "drawdown", drawdown, ts)]

    def record_trade(
        self, pnl: Decimal | float | int | str, equity: Decimal | float | int | str, ts: int
    ) -> list[Scar]:
        """Feed a closed trade's PnL and the equity after it; returns its trade-loss scar, if any."""
        pnl, equity = to_decimal(pnl), to_decimal(equity)
        self.equity = equity
        if pnl >= 0:
            return []
        before = equity - pnl
        fraction = float(-pnl / before) if before > 0 else 1.0
        level = self.policy.trade_loss.level(fraction)
        if level is None:
            return []
        return [self._issue(level, "trade_loss", fraction, ts)]

    def death_reason(self) -> str | None:
        """The kill rule the agent breaks now (see ``ScarPolicy.death_reason``), or None."""
        return self.policy.death_reason(self.condition, self.equity, self.initial_equity)

    def _issue(self, severity: Severity, kind: str, fraction: float, ts: int) -> Scar:
        effects = self.policy.effects(severity)
        paused_until = ts + effects.pause_bars * self.policy.ts_per_bar if effects.pause_bars else -1
        scar = Scar(
            agent_id=self.agent_id,
            severity=severity,
            kind=kind,
            loss_fraction=fraction,
            equity=self.equity,
            peak=self.peak,
            effects=effects,
            weight=self.policy.weight(severity),
            ts=int(ts),
            ordinal=self.condition.total_scars,
            paused_until=paused_until,
        )
        data = scar.to_event()
        self.condition = self.condition.apply(SCAR, data)
        if self._emit is not None:
            self._emit(SCAR, data)
        return scar
