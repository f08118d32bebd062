"""Look-ahead analysis: recompute on data truncated at sampled times and flag what changes.

A causal feature (or decision) at time t is the same whether or not the data continues after t.
``feature_lookahead`` checks a ``FeatureSet``; ``decision_lookahead`` checks any function mapping bars
to decisions, so a strategy check plugs in later by passing a callable that runs a backtest on the
bars it is given and returns the decisions it made, indexed by decision time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.bars import validate_bars
from indicators.batch import compute_features
from indicators.errors import FeatureError
from indicators.spec import FeatureSet

DecisionFn = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class LookaheadReport:
    """Features whose past values changed when the data was cut at one of the sampled times."""

    biased: list[str]
    cut_times: list[pd.Timestamp]
    first_changed: dict[str, pd.Timestamp] = field(default_factory=dict)  # cut time that exposed it

    @property
    def ok(self) -> bool:
        return not self.biased


@dataclass(frozen=True)
class DecisionLookaheadReport:
    """Decision cut times whose decisions at or before the cut changed when the data was cut there."""

    biased_times: list[pd.Timestamp]
    cut_times: list[pd.Timestamp]

    @property
    def ok(self) -> bool:
        return not self.biased_times


def _same(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= tol * np.maximum(np.abs(a), np.abs(b))
    return both_nan | close | (a == b)


def _sample(n_candidates: int, n_samples: int | None, seed: int) -> np.ndarray:
    if n_samples is None or n_samples >= n_candidates:
        return np.arange(n_candidates)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_candidates, size=n_samples, replace=False))


def feature_lookahead(
    bars: pd.DataFrame, feature_set: FeatureSet, n_samples: int | None = 20, seed: int = 0, tol: float = 0.0
) -> LookaheadReport:
    """Flag every feature whose value at or before a sampled cut time t changes when data after t is dropped.

    Cut times are sampled (seeded) from the rows where the truncated data is long enough to compute
    the set; the last row is never a cut (nothing would be dropped). ``tol`` is a relative tolerance.
    """
    b = validate_bars(bars)
    first = feature_set.lookback + 1  # shortest accepted input
    candidates = np.arange(first - 1, len(b) - 1)
    if candidates.size == 0:
        raise FeatureError(
            f"lookahead: {len(b)} bars leave no cut point; need more than {first} bars for this feature set"
        )
    cuts = candidates[_sample(candidates.size, n_samples, seed)]
    full = compute_features(bars, feature_set).to_numpy()
    first_changed: dict[str, pd.Timestamp] = {}
    for t in cuts:
        part = compute_features(bars.iloc[: t + 1], feature_set).to_numpy()
        bad = ~_same(part, full[: t + 1], tol).all(axis=0)
        for j in np.flatnonzero(bad):
            first_changed.setdefault(feature_set.names[j], bars.index[t])
    biased = [n for n in feature_set.names if n in first_changed]
    return LookaheadReport(
        biased=biased, cut_times=[bars.index[t] for t in cuts], first_changed=first_changed
    )


def _decisions(decide: DecisionFn, bars: pd.DataFrame, where: str) -> pd.Series:
    out = decide(bars)
    if not isinstance(out, pd.Series):
        raise FeatureError(
            f"decision_lookahead: {where}: decide() must return a pandas Series, got {type(out)}"
        )
    if not out.index.isin(bars.index).all():
        raise FeatureError(f"decision_lookahead: {where}: decisions must be indexed by bar times (ts)")
    return out


def decision_lookahead(
    bars: pd.DataFrame, decide: DecisionFn, n_samples: int | None = 20, seed: int = 0
) -> DecisionLookaheadReport:
    """Re-run ``decide`` on bars cut just after sampled decisions; flag cuts where a decision changed.

    ``decide(bars) -> pd.Series`` returns the decision at each time it decided (index = bar ``ts``,
    NaN/absent = no decision). Decisions are compared exactly, missing vs present counts as a change.
    """
    validate_bars(bars)
    full = _decisions(decide, bars, "full data").dropna()
    times = full.index[full.index < bars.index[-1]]
    cuts = times[_sample(len(times), n_samples, seed)] if len(times) else times
    biased = []
    for t in cuts:
        part = _decisions(decide, bars.loc[:t], f"data cut at {t}").dropna()
        ref = full.loc[:t]
        if not (part.index.equals(ref.index) and (part.to_numpy() == ref.to_numpy()).all()):
            biased.append(t)
    return DecisionLookaheadReport(biased_times=biased, cut_times=list(cuts))
