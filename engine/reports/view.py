"""``RunView``: everything a report shows about one run, as plain frozen values.

A view is built by ``load_run_view`` (from a run directory) or directly by code that has the
figures in hand; ``render_report`` turns it into HTML. Every series is a pandas Series on a UTC
DatetimeIndex with float values; every optional part may be empty or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

RunKind = Literal["backtest", "walk-forward", "paper", "arena"]
AuditState = Literal["ok", "failed", "unknown"]
RUN_KINDS: tuple[str, ...] = ("backtest", "walk-forward", "paper", "arena")
SEVERITIES: tuple[str, ...] = ("light", "moderate", "severe")


def empty_series(name: str = "value") -> pd.Series:
    """An empty float Series on an empty UTC DatetimeIndex."""
    return pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype="float64", name=name)


@dataclass(frozen=True, slots=True)
class AuditStatus:
    """Outcome of checking the run's log: ``ok``, ``failed`` or ``unknown`` plus a message."""

    state: AuditState = "unknown"
    message: str = ""


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill: when, which side (``BUY``/``SELL``), at what price and quantity."""

    ts: pd.Timestamp
    side: str
    price: float
    qty: float


@dataclass(frozen=True, slots=True)
class Decision:
    """One model decision: the action taken, its confidence and the class probabilities."""

    ts: pd.Timestamp
    action: str
    confidence: float
    probabilities: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class ScarMark:
    """One scar left on an agent (severity light / moderate / severe)."""

    ts: pd.Timestamp
    agent: str
    severity: str
    loss_fraction: float


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward fold: its train and test windows and its out-of-sample metrics."""

    fold: int
    train_start: pd.Timestamp | None
    train_end: pd.Timestamp | None
    test_start: pd.Timestamp | None
    test_end: pd.Timestamp | None
    metrics: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WalkForwardView:
    """Walk-forward parts: the fold table and the stitched out-of-sample equity."""

    folds: tuple[Fold, ...] = ()
    oos_equity: pd.Series = field(default_factory=lambda: empty_series("equity"))


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """Parent -> child in an arena's family tree; ``parent`` is ``None`` for a founder."""

    parent: str | None
    child: str
    generation: int


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """Population size and fitness of one arena generation."""

    generation: int
    population: int
    best_fitness: float | None
    mean_fitness: float | None


@dataclass(frozen=True, slots=True)
class ArenaView:
    """Arena parts: lineage tree, per-generation population/fitness, scars by severity."""

    edges: tuple[LineageEdge, ...] = ()
    generations: tuple[GenerationStats, ...] = ()
    scar_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunView:
    """What a report shows about one run (see the module docstring)."""

    title: str
    kind: RunKind = "backtest"
    chain_head: str | None = None
    audit: AuditStatus = field(default_factory=AuditStatus)
    metrics: Mapping[str, object] = field(default_factory=dict)
    benchmark_metrics: Mapping[str, object] = field(default_factory=dict)
    equity: pd.Series = field(default_factory=lambda: empty_series("equity"))
    benchmark_equity: pd.Series = field(default_factory=lambda: empty_series("buy_and_hold"))
    price: pd.Series = field(default_factory=lambda: empty_series("close"))
    trades: tuple[Trade, ...] = ()
    decisions: tuple[Decision, ...] = ()
    scars: tuple[ScarMark, ...] = ()
    walk_forward: WalkForwardView | None = None
    arena: ArenaView | None = None
    details: Mapping[str, str] = field(default_factory=dict)
