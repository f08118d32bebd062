"""Stitching folds into one out-of-sample result.

The stitched equity curve chains the folds' out-of-sample *returns*: fold ``k``'s curve is rescaled
to start at fold ``k-1``'s ending equity (the first fold starts at 1.0), so the curve is what one
account would have earned trading every test window in turn with the model trained just before
it. Between two test windows no return is earned. Failed folds are left out (and counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.metrics import compute_metrics
from engine.walkforward.fold_task import FoldFailure, FoldResult
from engine.walkforward.stats import deflated_sharpe_ratio, probabilistic_sharpe_ratio, sharpe

NO_TRADES = pd.DataFrame(columns=["entry_ts", "exit_ts", "pnl", "return"])


def stitch_equity(results: Sequence[FoldResult]) -> pd.Series:
    """Chained out-of-sample equity (UTC index), starting at 1.0."""
    times: list[int] = []
    values: list[float] = []
    level = 1.0
    for r in results:
        if not r.equity:
            continue
        first = r.equity[0][1]
        scale = level / first
        times += [t for t, _ in r.equity]
        values += [v * scale for _, v in r.equity]
        level = values[-1]
    index = pd.DatetimeIndex(pd.to_datetime(np.array(times, dtype="int64"), utc=True), name="ts")
    return pd.Series(values, index=index, name="equity", dtype=float)


def fold_table(outcomes: Sequence[FoldResult | FoldFailure]) -> list[dict[str, Any]]:
    """One row per fold: in-sample and out-of-sample figures side by side (or the error)."""
    rows = []
    for o in outcomes:
        if isinstance(o, FoldFailure):
            rows.append({"fold_id": o.fold_id, "ok": False, "error": o.error})
            continue
        ins, oos = o.in_sample, o.out_of_sample
        rows.append(
            {
                "fold_id": o.fold_id,
                "ok": True,
                "test_start": oos.get("start"),
                "test_end": oos.get("end"),
                "is_sharpe": ins.get("sharpe"),
                "oos_sharpe": oos.get("sharpe"),
                "is_return": ins.get("total_return"),
                "oos_return": oos.get("total_return"),
                "is_accuracy": ins.get("accuracy"),
                "oos_accuracy": oos.get("accuracy"),
                "oos_max_drawdown": oos.get("max_drawdown"),
            }
        )
    return rows


def _mean(values: list[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def is_vs_oos(results: Sequence[FoldResult]) -> dict[str, Any]:
    """Mean in-sample vs out-of-sample Sharpe and accuracy over completed folds."""
    out = {
        "is_sharpe_mean": _mean([r.in_sample.get("sharpe") for r in results]),
        "oos_sharpe_mean": _mean([r.out_of_sample.get("sharpe") for r in results]),
        "is_accuracy_mean": _mean([r.in_sample.get("accuracy") for r in results]),
        "oos_accuracy_mean": _mean([r.out_of_sample.get("accuracy") for r in results]),
    }
    a, b = out["is_sharpe_mean"], out["oos_sharpe_mean"]
    out["sharpe_decay"] = (a - b) if a is not None and b is not None else None
    return out


def summarise(
    outcomes: Sequence[FoldResult | FoldFailure], n_trials: int = 1, trials_sharpe_variance: float = 0.0
) -> dict[str, Any]:
    """Stitched metrics, PSR/DSR of the stitched per-bar returns, IS vs OOS, fold counts."""
    done = [o for o in outcomes if isinstance(o, FoldResult)]
    summary: dict[str, Any] = {
        "folds": len(outcomes),
        "completed": len(done),
        "failed": [o.fold_id for o in outcomes if isinstance(o, FoldFailure)],
        "is_vs_oos": is_vs_oos(done),
    }
    equity = stitch_equity(done)
    returns = equity.to_numpy()[1:] / equity.to_numpy()[:-1] - 1.0 if len(equity) > 1 else np.array([])
    search = search_trials(done, n_trials, trials_sharpe_variance, len(returns))
    if search is not None:
        summary["search"] = search
        n_trials, trials_sharpe_variance = search["n_trials"], search["sharpe_variance"]
    if len(equity) < 4:
        return summary
    summary["stitched"] = compute_metrics(equity, NO_TRADES)
    summary["per_bar_sharpe"] = sharpe(returns)
    summary["psr"] = probabilistic_sharpe_ratio(returns)
    summary["dsr"] = deflated_sharpe_ratio(returns, n_trials, trials_sharpe_variance)
    summary["n_trials"] = n_trials
    return summary


def search_trials(
    done: Sequence[FoldResult], declared: int, declared_variance: float, stitched_bars: int
) -> dict[str, Any] | None:
    """What nested searches add to the deflated Sharpe ratio (``None`` when no fold searched).

    Configurations tried = ``declared`` (``--trials``: configurations tried outside this run) x the
    completed search trials summed over folds. Sharpe variance: ``declared_variance`` when > 0;
    else, per fold, the variance of its trials' per-bar validation Sharpes rescaled from the
    validation length to the stitched record's (a Sharpe estimate's sampling variance goes as 1/T:
    ``var * validation_rows / stitched_bars``), averaged over folds.
    """
    searches = [r.model["search"] for r in done if r.model.get("search")]
    if not searches:
        return None
    total = sum(int(s["completed"]) for s in searches)
    scale = [min(1.0, s["validation_rows"] / stitched_bars) if stitched_bars else 1.0 for s in searches]
    measured = float(np.mean([float(s["sharpe_variance"]) * k for s, k in zip(searches, scale, strict=True)]))
    return {
        "trials_total": total,
        "declared_trials": declared,
        "n_trials": max(1, declared) * max(1, total),
        "trials_sharpe_variance_measured": measured,
        "sharpe_variance": declared_variance if declared_variance > 0 else measured,
        "best_params": {r.fold_id: r.model["search"]["best_params"] for r in done if r.model.get("search")},
    }
