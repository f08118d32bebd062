"""Nested hyperparameter search inside one fold's TRAINING window (Optuna, TPE, seeded).

The fold work hands ``run_search`` a ``SearchData``: the training window's labelled rows (features,
labels, bar times, label horizon ends, next-bar returns) and nothing at or after the fold's
training end -- ``SearchData`` refuses any row, feature row or label horizon that reaches it, so the
test window cannot be touched. The rows are split in time (``inner_split``): the earlier part fits
each trial's model, the later ``validation`` fraction scores it; an embargo of ``horizon`` rows
separates them and fit rows whose label horizon reaches the first validation bar are purged.

Objective: validation **log loss** (lower is better; ``engine.training.score``). Trials fit without
early stopping (the searched ``n_estimators``/``max_epochs`` are what is fitted), so validation rows
are only ever scored. Each trial also records the per-bar Sharpe of trading its argmax class for
one bar on the validation rows (no fees): the variance of those Sharpes feeds the deflated Sharpe
ratio of the stitched result (``stitch.summarise``).

Determinism: ``TPESampler(seed=sampler_seed(fold seed))``, ``n_jobs=1``, in-memory storage, every
trial's model seeded with the fold seed -> the same trials, best parameters and fold chain head on
any executor. Events appended to the fold log: ``SearchStarted``, one ``SearchTrial`` per trial
(``number``, ``params``, ``value``, ``state``, validation figures or ``error``), ``SearchEnded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.catalog import bars_frame
from engine.errors import LineageError
from engine.eventlog import EventLog
from engine.training.labels import LabelSpec
from engine.training.matrix import build_matrix
from engine.training.scoring import score
from engine.walkforward.errors import WalkForwardError
from engine.walkforward.folds import Fold
from engine.walkforward.search_space import METRIC, SearchConfig, suggest
from engine.walkforward.stats import sharpe
from indicators import FeatureSet
from strategies.models import CLASS_LABELS, Model

SEED_SALT = 0x5EA7C4  # separates the sampler's seed from the model seed drawn from the same fold seed
TRIAL_ERRORS = (LineageError, ValueError, ArithmeticError, RuntimeError)
ONE_NS = pd.Timedelta(1, "ns")


@dataclass(frozen=True)
class SearchData:
    """The training window's labelled rows as the search may see them.

    ``full_X`` (rows in time order, bar close times ``full_ts``) is what models predict on (windowed
    models need the history); labelled row ``i`` is ``full_X[pos[i]]`` with label ``y[i]``, bar time
    ``ts[i]``, label horizon end ``label_end[i]`` and next-bar return ``next_return[i]``. Every time
    (ns) must be ``< limit`` (the fold's training end).
    """

    full_X: np.ndarray
    full_ts: np.ndarray
    pos: np.ndarray
    y: np.ndarray
    ts: np.ndarray
    label_end: np.ndarray
    next_return: np.ndarray
    limit: int

    def __post_init__(self) -> None:
        n = len(self.pos)
        if not (len(self.y) == len(self.ts) == len(self.label_end) == len(self.next_return) == n):
            raise WalkForwardError("search data: pos, y, ts, label_end and next_return differ in length")
        if len(self.full_ts) != len(self.full_X):
            raise WalkForwardError("search data: full_ts and full_X differ in length")
        for name, arr in (("full_ts", self.full_ts), ("ts", self.ts), ("label_end", self.label_end)):
            if len(arr) and int(np.max(arr)) >= self.limit:
                reached, end = pd.Timestamp(int(np.max(arr)), tz="UTC"), pd.Timestamp(self.limit, tz="UTC")
                raise WalkForwardError(
                    f"search data: {name} reaches {reached}, at or after the training end {end}; "
                    "the search must not see the test window"
                )
        if n and not np.array_equal(self.full_ts[self.pos], self.ts):
            raise WalkForwardError("search data: ts differs from full_ts[pos]")


@dataclass(frozen=True)
class SearchOutcome:
    """The best trial's parameters and the search summary (``FoldOutput.model['search']``)."""

    best_params: dict[str, Any]
    summary: dict[str, Any]


def sampler_seed(fold_seed: int) -> int:
    """The TPE sampler's seed for a fold, derived from the fold's seed (itself from run seed + fold)."""
    return int(np.random.SeedSequence([int(fold_seed), SEED_SALT]).generate_state(1)[0])


def inner_split(
    ts: np.ndarray, label_end: np.ndarray, validation: float, embargo: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(fit rows, validation rows, rows purged): the last ``validation`` fraction validates,
    ``embargo`` rows before it are dropped, fit rows whose ``label_end`` reaches validation purged."""
    n = len(ts)
    cut = int(np.floor(n * (1.0 - validation)))
    v0 = cut + int(embargo)
    if cut < 1 or v0 >= n:
        raise WalkForwardError(
            f"search: {n} labelled training rows are too few for a validation fraction of {validation} "
            f"with an embargo of {embargo} rows"
        )
    head = np.arange(cut)
    keep = np.asarray(label_end)[head] < np.asarray(ts)[v0]
    fit = head[keep]
    if len(fit) < 2:
        raise WalkForwardError(f"search: only {len(fit)} fit rows left after purging; expected more data")
    return fit, np.arange(v0, n), int((~keep).sum())


def _bounds(ts: np.ndarray, label_end: np.ndarray, rows: np.ndarray) -> dict[str, Any]:
    iso = lambda v: pd.Timestamp(int(v), tz="UTC").isoformat()  # noqa: E731
    return {
        "first": iso(ts[rows[0]]),
        "last": iso(ts[rows[-1]]),
        "rows": len(rows),
        "max_label_end": iso(np.max(label_end[rows])),
    }


def _sharpe_of_positions(proba: np.ndarray, next_return: np.ndarray) -> float:
    finite = np.isfinite(proba).all(axis=1)
    pos = np.where(finite, np.array(CLASS_LABELS, dtype=float)[np.nan_to_num(proba).argmax(axis=1)], 0.0)
    r = pos * np.nan_to_num(next_return)
    return sharpe(r) if len(r) > 1 else 0.0


def run_search(
    config: SearchConfig,
    data: SearchData,
    make: Callable[[dict[str, Any]], Model],
    *,
    fold_seed: int,
    fold_id: str,
    embargo: int,
    log: EventLog,
) -> SearchOutcome:
    """Run ``config.trials`` trials on ``data`` (models from ``make(params)``), log every trial."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed trials are in the fold log instead
    fit, val, purged = inner_split(data.ts, data.label_end, config.validation, embargo)
    X_fit, y_fit = data.full_X[data.pos[fit]], data.y[fit]
    rows = data.pos[val]
    seed = sampler_seed(fold_seed)
    log.append(
        "SearchStarted",
        {
            "fold_id": fold_id,
            **config.to_dict(),
            "sampler_seed": seed,
            "limit": pd.Timestamp(data.limit, tz="UTC").isoformat(),
            "inner": {
                "fit": _bounds(data.ts, data.label_end, fit),
                "validation": _bounds(data.ts, data.label_end, val),
                "purged": purged,
                "embargo_rows": int(embargo),
            },
        },
    )

    def objective(trial: Any) -> float:
        params = suggest(trial, config.space_dict)
        trial.set_user_attr("params", params)
        try:
            model = make(params)
            model.fit(X_fit, y_fit)
            lo = max(0, int(rows[0]) - (model.window - 1))  # row i needs rows i-window+1 .. i only
            proba = model.predict_proba(data.full_X[lo : int(rows[-1]) + 1])[rows - lo]
            figures = score(proba, data.y[val])
            if not figures.get("rows"):
                raise ValueError("no validation row has a finite prediction")
        except TRIAL_ERRORS as exc:
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
            raise
        trial.set_user_attr(
            "validation",
            {
                "rows": figures["rows"],
                "accuracy": figures["accuracy"],
                "sharpe": _sharpe_of_positions(proba, data.next_return[val]),
            },
        )
        return float(figures[METRIC])

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=config.trials, n_jobs=1, catch=TRIAL_ERRORS)
    done = []
    for t in study.trials:
        ok = t.state == optuna.trial.TrialState.COMPLETE
        record: dict[str, Any] = {
            "fold_id": fold_id,
            "number": t.number,
            "params": t.user_attrs.get("params", {}),
            "value": float(t.value) if ok else None,
            "state": t.state.name,
        }
        if ok:
            record["validation"] = t.user_attrs["validation"]
            done.append(record)
        else:
            record["error"] = t.user_attrs.get("error", "")
        log.append("SearchTrial", record)
    if not done:
        first = study.trials[0].user_attrs.get("error", "") if study.trials else ""
        raise WalkForwardError(f"{fold_id}: all {config.trials} search trials failed; first: {first}")
    best = best_trial(done)
    sharpes = [r["validation"]["sharpe"] for r in done]
    summary = {
        "metric": METRIC,
        "trials": len(study.trials),
        "completed": len(done),
        "failed": len(study.trials) - len(done),
        "best_number": best["number"],
        "best_value": best["value"],
        "best_params": best["params"],
        "sharpe_variance": float(np.var(sharpes, ddof=1)) if len(sharpes) > 1 else 0.0,
        "validation_rows": len(val),
    }
    log.append("SearchEnded", {"fold_id": fold_id, **summary})
    return SearchOutcome(best_params=dict(best["params"]), summary=summary)


def best_trial(completed: list[dict[str, Any]]) -> dict[str, Any]:
    """The completed trial with the lowest value (ties: the earliest); also used by the audit."""
    return min(completed, key=lambda r: (r["value"], r["number"]))


# --- data adapters: the two fold works --------------------------------------------------------


def ml_search_data(
    catalog: str, instrument: str, bar: str, fold: Fold, features: FeatureSet, labels: LabelSpec
) -> SearchData:
    """Production fold work: the training window's bars only (``bars_frame`` up to the training end,
    exclusive), features and labels as ``train_model`` builds them."""
    bars = bars_frame(
        Path(catalog), instrument, bar, fold.train_start.isoformat(), (fold.train_end - ONE_NS).isoformat()
    )
    m = build_matrix(bars, features, labels)
    close = bars["close"].to_numpy()
    nxt = np.full(len(close), np.nan)
    nxt[:-1] = close[1:] / close[:-1] - 1.0
    return SearchData(
        full_X=m.full_X,
        full_ts=np.asarray(bars.index.asi8[m.warmup :], dtype=np.int64),
        pos=m.full_pos,
        y=m.y,
        ts=np.asarray(m.ts.asi8, dtype=np.int64),
        label_end=m.label_end,
        next_return=nxt[m.warmup :][m.full_pos],
        limit=int(fold.train_end.value),
    )


def rows_search_data(
    X: np.ndarray,
    index: pd.DatetimeIndex,
    close: np.ndarray,
    labels: np.ndarray,
    label_end: Any,
    train: np.ndarray,
    fold: Fold,
) -> SearchData:
    """Research fold work: its purged/embargoed training rows of a full-data feature matrix, which
    is cut after the last training row (nothing later is handed over)."""
    last = int(train[-1]) + 1
    ends = np.asarray(pd.DatetimeIndex(label_end).asi8, dtype=np.int64)[train]
    return SearchData(
        full_X=X[:last],
        full_ts=np.asarray(index.asi8[:last], dtype=np.int64),
        pos=train,
        y=labels[train],
        ts=np.asarray(index.asi8[train], dtype=np.int64),
        label_end=ends,
        next_return=close[train + 1] / close[train] - 1.0,
        limit=int(fold.train_end.value),
    )
