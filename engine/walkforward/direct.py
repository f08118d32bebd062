"""A compact real fold: train a ``strategies.models`` classifier on causal bar features, then
trade the unseen test window decision by decision.

Features at bar ``t`` are computed from the ``WINDOW`` bars ending at ``t`` (lagged log returns,
rolling volatility, distance from a rolling mean). Out of sample every decision recomputes the
features on data truncated at ``t`` -- exactly what a live strategy could know -- so a feature that
peeks at the future cannot help there. Labels come from ``indicators.forward_return_labels``;
training rows are purged and embargoed by ``folds.train_mask``.

Parameters (``--param``): ``horizon`` (bars, default 1), ``up``/``down`` label thresholds (default
0), ``fee`` per unit of position change (default 0.0005), ``leak`` (``none`` | ``next_return``: add a
feature equal to the label's forward return -- for demonstrating what walk-forward reveals), and
``model.<name>`` for the model's own parameters (e.g. ``model.n_estimators=50``). With a nested
search (``task.search``) the best of its trials on the purged training rows is fitted.

A position is the predicted class (-1/0/+1) held for one bar; equity starts at 1.0 at the first
test bar. This is a research fast path, not the strategy engine: the ``ml`` branch's ``MLStrategy``
through ``run_backtest`` is the production fold work (``engine.walkforward.ml_work``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from engine.catalog import bars_frame
from engine.metrics import compute_metrics
from engine.models import ModelCatalog
from engine.walkforward.fold_task import FoldContext, FoldOutput, FoldTask
from engine.walkforward.folds import oos_mask, parse_duration, train_mask
from engine.walkforward.search import rows_search_data, run_search
from indicators import forward_return_labels
from strategies.models import CLASS_LABELS, make_model

WINDOW = 32
LAGS = 5
NO_TRADES = pd.DataFrame(columns=["entry_ts", "exit_ts", "pnl", "return"])


@lru_cache(maxsize=4)
def load_frame(catalog: str, instrument: str, bar: str) -> pd.DataFrame:
    """All bars of the dataset (cached per worker process)."""
    return bars_frame(catalog, instrument, bar)


def _rolling(values: np.ndarray, n: int, fn: str) -> np.ndarray:
    """``fn`` (mean|std) over each trailing ``n`` values, each window computed on its own (so a
    row's value does not depend on how much earlier data exists); NaN before ``n`` values."""
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] >= n:
        win = np.lib.stride_tricks.sliding_window_view(values, n)
        out[n - 1 :] = win.mean(axis=1) if fn == "mean" else win.std(axis=1)
    return out


def features(close: np.ndarray, leak_horizon: int = 0) -> np.ndarray:
    """Feature matrix for every row of ``close`` (NaN where history is short). With
    ``leak_horizon`` > 0 a last column holds the forward return over that many bars (a leak)."""
    logc = np.log(close)
    r = np.full(close.shape[0], np.nan)
    r[1:] = np.diff(logc)
    cols = [np.concatenate([np.full(k, np.nan), r[: r.shape[0] - k]]) for k in range(LAGS)]
    cols.append(_rolling(np.nan_to_num(r), 20, "std"))
    cols[-1][:20] = np.nan
    cols.append(logc - _rolling(logc, 20, "mean"))
    if leak_horizon > 0:
        fwd = np.full(close.shape[0], np.nan)
        fwd[:-leak_horizon] = close[leak_horizon:] / close[:-leak_horizon] - 1.0
        cols.append(fwd)
    return np.column_stack(cols)


def causal_features(close: np.ndarray, rows: np.ndarray, leak_horizon: int = 0) -> np.ndarray:
    """Features of each row in ``rows`` computed from data truncated at that row (its last
    ``WINDOW`` bars) -- what a strategy deciding at that bar could know."""
    out = []
    for i in rows:
        lo = max(0, int(i) - WINDOW + 1)
        out.append(features(close[lo : int(i) + 1], leak_horizon)[-1])
    return np.array(out).reshape(len(rows), -1)


def _model_params(task: FoldTask) -> dict[str, Any]:
    params: dict[str, Any] = {"seed": task.seed}
    if task.model == "xgb":
        params["nthread"] = 1
    for key, value in task.params:
        if key.startswith("model."):
            params[key[len("model.") :]] = float(value) if "." in value or "e" in value else int(value)
    return params


def _positions(model: Any, X: np.ndarray) -> np.ndarray:
    proba = model.predict_proba(X)
    pos = np.array(CLASS_LABELS, dtype=float)[np.nan_to_num(proba, nan=0.0).argmax(axis=1)]
    pos[np.isnan(proba).any(axis=1)] = 0.0
    return pos


def _evaluate(
    index: pd.DatetimeIndex,
    close: np.ndarray,
    rows: np.ndarray,
    pos: np.ndarray,
    labels: np.ndarray,
    fee: float,
) -> tuple[dict[str, Any], list[tuple[int, float]]]:
    """Hold ``pos[j]`` from row ``rows[j]`` to the next bar; equity starts at 1.0."""
    nxt = np.minimum(rows + 1, close.shape[0] - 1)
    bar_ret = close[nxt] / close[rows] - 1.0
    turnover = np.abs(np.diff(np.concatenate([[0.0], pos])))
    step = pos * bar_ret - fee * turnover
    equity = np.concatenate([[1.0], np.cumprod(1.0 + step[:-1])])
    series = pd.Series(equity, index=index[rows])
    metrics = compute_metrics(series, NO_TRADES, exposure=pd.Series(np.abs(pos), index=index[rows]))
    known = ~np.isnan(labels)
    metrics["accuracy"] = float(np.mean(pos[known] == labels[known])) if known.any() else None
    metrics["rows"] = len(rows)
    points = [(int(t), float(v)) for t, v in zip(series.index.asi8, equity, strict=True)]
    return metrics, points


def run(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """Train on the fold's purged training rows, trade its test window causally."""
    frame = load_frame(task.catalog, task.instrument, task.bar)
    close = frame["close"].to_numpy()
    horizon = int(task.param("horizon", "1"))
    fee = float(task.param("fee", "0.0005"))
    leak = task.param("leak", "none")
    leak_h = horizon if leak == "next_return" else 0
    labelled = forward_return_labels(
        frame, horizon, float(task.param("up", "0")), float(task.param("down", "0"))
    )
    labels = labelled["label"].to_numpy()
    train = np.flatnonzero(
        train_mask(
            frame.index,
            labelled["label_end"],
            task.fold,
            task.folds,
            parse_duration(task.embargo, "embargo", allow_zero=True),
        )
    )
    test = np.flatnonzero(oos_mask(frame.index, task.fold))
    X_all = features(close, leak_h)
    base = _model_params(task)
    search = None
    if task.search is not None:  # nested search on the purged training rows only
        data = rows_search_data(X_all, frame.index, close, labels, labelled["label_end"], train, task.fold)
        search = run_search(
            task.search,
            data,
            lambda p: make_model(task.model, **{**base, **p}),
            fold_seed=task.seed,
            fold_id=task.fold_id,
            embargo=horizon,
            log=ctx.log,
        )
        base = {**base, **search.best_params}
    model = make_model(task.model, **base)
    model.fit(X_all[train], labels[train])
    in_window = int(((frame.index >= task.fold.train_start) & (frame.index < task.fold.train_end)).sum())
    ref = ModelCatalog(ctx.dir / "models").save(
        task.fold_id.replace("-", "_"),
        model,
        {
            "train_start": task.fold.train_start,
            "train_end": task.fold.train_end,
            "data_digest": task.data_digest,
            "label_spec": {"kind": "forward_return", "horizon": horizon},
            "extra": {
                "fold_id": task.fold_id,
                "walk_forward_fold_key": task.key,
                **({"search": search.summary} if search is not None else {}),
            },
        },
    )
    model_info = {"ref": str(ref), "content_hash": ref.content_hash, "kind": task.model}
    if search is not None:
        model_info["search"] = search.summary
    ctx.log.append(
        "ModelTrained",
        {
            **model_info,
            "fold_id": task.fold_id,
            "train_rows": len(train),
            "purged_rows": in_window - len(train),
        },
    )
    is_metrics, _ = _evaluate(frame.index, close, train, _positions(model, X_all[train]), labels[train], fee)
    X_test = causal_features(close, test, leak_h)
    oos_metrics, equity = _evaluate(frame.index, close, test, _positions(model, X_test), labels[test], fee)
    ctx.log.append("FoldEvaluated", {"fold_id": task.fold_id, "test_rows": len(test), "metrics": oos_metrics})
    return FoldOutput(in_sample=is_metrics, out_of_sample=oos_metrics, equity=equity, model=model_info)
