"""What an arena run is asked to do (``ArenaConfig``) and what it gives back (``ArenaResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import LineageError

#: Long-only by default: the engine evaluation trades a spot CASH account, which cannot go short.
LONG_ONLY_ACTIONS: tuple[float | None, ...] = (None, 0.0, 0.5, 1.0)
DEFAULT_FEATURES: tuple[str, ...] = ("logret_1", "logret_5", "logret_20", "zscore_20", "willr_14", "volz_20")


class ArenaConfigError(LineageError):
    """An ``ArenaConfig`` field holds an invalid value."""


@dataclass(frozen=True)
class ArenaConfig:
    """One arena run: evolve ``agents`` agents for ``generations`` generations on the training period
    (``start``..``end``, on bar close time) of a catalog dataset, then trade the ``evaluate_top``
    champions through the real engine on the unseen ``eval_start``..``eval_end`` period next to the
    baselines. ``generation_bars`` bars per generation roll through the training period.
    ``executor`` runs the agents' episodes (``serial`` | ``ray``); results do not depend on it."""

    catalog: Path
    instrument_id: str
    bar: str
    agents: int = 8
    generations: int = 3
    seed: int = 0
    executor: str = "serial"
    workers: int = 2
    start: str | None = None
    end: str | None = None
    eval_start: str | None = None
    eval_end: str | None = None
    out: Path = Path("runs")
    features: tuple[str, ...] = DEFAULT_FEATURES
    generation_bars: int | None = 288
    max_population: int | None = None  # None = agents
    max_offspring: int | None = None  # None = agents // 4 (at least 1)
    hidden: tuple[int, ...] = (32, 32)
    actions: tuple[float | None, ...] = LONG_ONLY_ACTIONS
    learn_every: int = 4
    buffer_size: int = 2000
    fee_rate: float = 0.001
    evaluate_top: int = 2
    balance: str | None = None  # eval starting balance ("10 BTC"); None = 10 units of the quote currency
    verbose: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # EvolutionConfig field overrides

    def __post_init__(self) -> None:
        checks = [
            ("agents", self.agents >= 1, ">= 1"),
            ("generations", self.generations >= 1, ">= 1"),
            ("executor", self.executor in ("serial", "ray"), "'serial' or 'ray'"),
            ("generation_bars", self.generation_bars is None or self.generation_bars >= 16, ">= 16 or None"),
            ("evaluate_top", self.evaluate_top >= 0, ">= 0"),
            ("features", len(self.features) >= 1, "at least one feature name"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise ArenaConfigError(
                    f"ArenaConfig.{name}: expected {expected}, got {getattr(self, name)!r}"
                )


@dataclass(frozen=True)
class ArenaResult:
    """A finished arena run: its directory, the log's chain head, metrics (= ``metrics.json``)."""

    run_id: str
    run_dir: Path
    head: str
    metrics: dict[str, Any]
    summary: str
