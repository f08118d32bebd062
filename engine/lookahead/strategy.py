"""Strategy look-ahead analysis: rerun the backtest cut right after each decision, flag what changes.

A causal strategy decides the same at t whether or not the data continues after t. The full run's
decision times are the cut points (all of them, or ``samples`` drawn with a seeded generator);
each rerun sees the bars up to the cut (engine feed and catalog alike) and every decision at or
before the cut is compared with the full run's. A decision that changed (or appeared, or
vanished) is biased; the report gives both values and the cut that exposed it.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.backtest.config import BacktestConfig
from engine.errors import LineageError
from engine.lookahead.decisions import Decision, Decisions, describe
from engine.lookahead.runner import load_inputs, rerun_task, run_decisions
from engine.progress import progress

RECYCLE_AFTER = 64  # reruns per worker process (BacktestEngine.dispose leaks a little)


class LookaheadError(LineageError):
    """A look-ahead analysis could not be set up (bad sample count, too little data, ...)."""


@dataclass(frozen=True)
class BiasedDecision:
    """A decision that changed when the data was cut at ``cut`` (full vs truncated values)."""

    time: pd.Timestamp
    cut: pd.Timestamp
    full: str
    truncated: str


@dataclass(frozen=True)
class StrategyLookaheadReport:
    """Outcome of ``strategy_lookahead``: decisions checked, cuts run, decisions that changed."""

    strategy: str
    bars: int
    decisions: int
    cut_times: list[pd.Timestamp]
    biased: list[BiasedDecision] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.biased

    @property
    def biased_times(self) -> list[pd.Timestamp]:
        return [b.time for b in self.biased]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO strings)."""
        return {
            "strategy": self.strategy,
            "bars": self.bars,
            "decisions": self.decisions,
            "cuts": len(self.cut_times),
            "ok": self.ok,
            "biased": [
                {
                    "time": b.time.isoformat(),
                    "cut": b.cut.isoformat(),
                    "full": b.full,
                    "truncated": b.truncated,
                }
                for b in self.biased
            ],
        }


def _ts(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), tz="UTC")


def _close(a: str, b: str, tol: float) -> bool:
    try:
        x, y = json.loads(a), json.loads(b)
    except ValueError:
        return a == b
    if not (isinstance(x, list) and isinstance(y, list) and len(x) == len(y)):
        return a == b
    return all(math.isclose(float(p), float(q), rel_tol=tol, abs_tol=0.0) for p, q in zip(x, y, strict=True))


def same_decision(a: Decision | None, b: Decision | None, tol: float = 0.0) -> bool:
    """Equal decisions; with ``tol`` > 0 model probabilities may differ by that relative tolerance."""
    if not a or not b:
        return not a and not b
    if tol <= 0.0 or len(a) != len(b):
        return a == b
    for x, y in zip(a, b, strict=True):
        if x[0] == "model" and y[0] == "model":
            if x[1] != y[1] or not _close(x[2], y[2], tol):
                return False
        elif x != y:
            return False
    return True


def compare(full: Decisions, part: Decisions, cut_ns: int, tol: float = 0.0) -> list[BiasedDecision]:
    """Decisions at or before ``cut_ns`` that differ between the full and the truncated run."""
    times = sorted({t for t in full if t <= cut_ns} | {t for t in part if t <= cut_ns})
    return [
        BiasedDecision(_ts(t), _ts(cut_ns), describe(full.get(t)), describe(part.get(t)))
        for t in times
        if not same_decision(full.get(t), part.get(t), tol)
    ]


def sample_cuts(candidates: list[int], samples: int | None, seed: int) -> list[int]:
    """All candidates, or ``samples`` of them drawn without replacement by a seeded generator (sorted)."""
    if samples is not None and samples < 1:
        raise LookaheadError(f"samples={samples}: expected a positive number of cut times (or all)")
    if samples is None or samples >= len(candidates):
        return list(candidates)
    picked = np.random.default_rng(seed).choice(len(candidates), size=samples, replace=False)
    return [candidates[i] for i in sorted(picked)]


def strategy_lookahead(
    config: BacktestConfig,
    *,
    samples: int | None = None,
    seed: int = 0,
    workers: int = 1,
    tol: float = 0.0,
    show_progress: bool | None = None,
    workdir: Path | None = None,
) -> StrategyLookaheadReport:
    """Check ``config``'s strategy for look-ahead bias by rerunning it cut after its decisions.

    ``samples`` limits the number of cuts (None = every decision); ``workers`` > 1 runs the
    independent reruns on a process pool; ``tol`` is a relative tolerance on model probabilities.
    """
    if workers < 1:
        raise LookaheadError(f"workers={workers}: expected 1 or more")
    inputs = load_inputs(config)
    full = run_decisions(config, inputs, None, workdir)
    bar_ts = [b.ts_init for b in inputs.bars]
    # a cut at the last bar drops nothing; a decision between bars belongs to the bar before it
    cut_of = {t: bisect_right(bar_ts, t) - 1 for t in full}
    candidates = sorted({k for k in cut_of.values() if 0 <= k < len(bar_ts) - 1})
    cuts = sample_cuts(candidates, samples, seed)
    results: dict[int, Decisions] = {}
    bar = progress(len(cuts), desc="look-ahead reruns", enabled=show_progress, unit="run")
    try:
        if workers == 1 or len(cuts) < 2:
            for k in cuts:
                results[k] = run_decisions(config, inputs, k, workdir)
                bar.update()
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                max_workers=min(workers, len(cuts), os.cpu_count() or 1),
                mp_context=context,
                max_tasks_per_child=RECYCLE_AFTER,
            ) as pool:
                futures = [
                    pool.submit(rerun_task, config, k, str(workdir) if workdir else None) for k in cuts
                ]
                for future in as_completed(futures):
                    k, decisions = future.result()
                    results[k] = decisions
                    bar.update()
    finally:
        bar.close()
    found: dict[int, BiasedDecision] = {}
    for k in cuts:  # in cut order: each decision is reported with the first cut that exposed it
        for b in compare(full, results[k], bar_ts[k], tol):
            found.setdefault(b.time.value, b)
    return StrategyLookaheadReport(
        strategy=config.strategy,
        bars=len(bar_ts),
        decisions=len(full),
        cut_times=[_ts(bar_ts[k]) for k in cuts],
        biased=[found[t] for t in sorted(found)],
    )
