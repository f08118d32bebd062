"""The production fold work: train with ``engine.training.train_model`` on the fold's training
window, then backtest the test window with exactly that model through the same ``MLStrategy``
(``run_backtest``), copying the backtest's events into the fold log.

Select it with ``--work engine.walkforward.ml_work:run``. Parameters (``--param``): ``horizon``,
``up``, ``down`` (labels, as ``lineage train``), ``features`` (comma-separated feature names;
default the library's default set), ``model.<name>`` (model parameters), ``strategy.<name>``
(``MLStrategy`` parameters, e.g. ``strategy.threshold=0.6``), ``balances`` (comma-separated
Money strings), ``fee`` (maker and taker fee override), ``in_sample`` (``1``: also backtest the
training window, unrecorded, for the in-sample vs out-of-sample comparison; default ``1``).

Nested search (``task.search``, ``--search-trials N``): before training, ``engine.walkforward.search``
tries N parameter sets on the training window alone (inner fit/validation split); the best is
merged into the model parameters, recorded in ``ModelTrained`` (``search``) and the model card.

Purge: training sees only bars up to the training window's end, so no label reaches into the test
window. The embargo after earlier test windows is not applied on this path (``train_model`` takes
a time range, not a row mask) -- see docs/walk-forward.md.

Determinism: the model catalog lives in the fold folder and the backtest runs with the working
directory set to it, so the strategy's ``model_root`` is the relative path ``models`` and no
absolute path enters the logged manifest (same fold head wherever the run is written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.backtest import BacktestConfig, run_backtest
from engine.backtest.report import equity_series
from engine.eventlog import read_log
from engine.training import LabelSpec, TrainingConfig, train_model
from engine.training.modelspec import build_model
from engine.walkforward.fold_task import FoldContext, FoldOutput, FoldTask
from engine.walkforward.search import ml_search_data, run_search
from engine.workdir import working_directory
from indicators import FeatureSet

MODELS = "models"
ONE_NS = pd.Timedelta(1, "ns")


def _json_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _prefixed(task: FoldTask, prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in task.params if k.startswith(prefix)}


def run(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """Train on the fold's training window, backtest its test window with that model."""
    fold = task.fold
    names = task.param("features", "")
    features = FeatureSet.from_names(names.split(",")) if names else FeatureSet.default()
    labels = LabelSpec(
        "forward",
        int(task.param("horizon", "12")),
        float(task.param("up", "0.002")),
        float(task.param("down", "0.002")),
    )
    model_params = {k: _json_value(v) for k, v in _prefixed(task, "model.").items()}
    search = None
    if task.search is not None:  # nested search inside the training window, then retrain with the best
        data = ml_search_data(task.catalog, task.instrument, task.bar, fold, features, labels)
        search = run_search(
            task.search,
            data,
            lambda p: build_model(task.model, task.seed, {**model_params, **p}),
            fold_seed=task.seed,
            fold_id=task.fold_id,
            embargo=labels.horizon,
            log=ctx.log,
        )
        model_params = {**model_params, **search.best_params}
    trained = train_model(
        TrainingConfig(
            catalog=Path(task.catalog),
            instrument_id=task.instrument,
            bar=task.bar,
            model=task.model,
            name=f"wf-{task.fold_id}",
            start=fold.train_start.isoformat(),
            end=(fold.train_end - ONE_NS).isoformat(),
            seed=task.seed,
            features=features,
            labels=labels,
            model_params=model_params,
            model_root=ctx.dir / MODELS,
            extra={"search": search.summary} if search is not None else {},
        )
    )
    model = {"ref": str(trained.ref), "content_hash": trained.ref.content_hash, "kind": task.model}
    if search is not None:
        model["search"] = search.summary
    ctx.log.append(
        "ModelTrained",
        {
            **model,
            "fold_id": task.fold_id,
            "warmup": trained.warmup,
            "metrics": trained.metrics,
            "splits": trained.splits,
        },
    )
    fee = task.param("fee", "") or None
    balances = tuple(b for b in task.param("balances", "").split(",") if b)
    common = {
        "catalog": Path(task.catalog),
        "instrument_id": task.instrument,
        "bar": task.bar,
        "strategy": task.model,
        "params": {"model": str(trained.ref), "model_root": MODELS, **_prefixed(task, "strategy.")},
        "seed": task.seed % 2**31,
        "balances": balances,
        "maker_fee": fee,
        "taker_fee": fee,
        "warmup_bars": trained.warmup,
    }
    with working_directory(ctx.dir):
        oos = run_backtest(
            BacktestConfig(
                **common,
                start=fold.test_start.isoformat(),
                end=(fold.test_end - ONE_NS).isoformat(),
                out=ctx.dir / "backtest",
            )
        )
        ins = None
        if task.param("in_sample", "1") == "1":
            ins = run_backtest(
                BacktestConfig(
                    **common,
                    start=fold.train_start.isoformat(),
                    end=(fold.train_end - ONE_NS).isoformat(),
                    record=False,
                )
            )
    for record in read_log(Path(oos.run_dir) / "events"):
        ctx.log.append(record.kind, record.data)
    curve = equity_series(oos.metrics["engine"])
    curve = curve[curve.index >= fold.test_start]
    equity = [(int(t), float(v)) for t, v in zip(curve.index.asi8, curve.to_numpy(), strict=True)]
    out_of_sample = {**oos.metrics["strategy"], "backtest_head": oos.head}
    in_sample = ins.metrics["strategy"] if ins is not None else {}
    return FoldOutput(in_sample=in_sample, out_of_sample=out_of_sample, equity=equity, model=model)
