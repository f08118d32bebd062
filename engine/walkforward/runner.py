"""``walk_forward(config, executor)``: plan folds, run them on an executor, write the run.

Run directory ``<out>/wf-<instrument>-<model>-<manifest digest[:10]>/``:

* ``walkforward.json`` -- the manifest (marks the folder as a walk-forward run);
* ``folds/<fold-id>-<key>/`` -- each fold's own run (``events/``, ``result.json``, ``models/``);
* ``events/`` -- the top-level log: ``WalkForwardStarted`` (manifest), one ``FoldCompleted`` or
  ``FoldFailed`` per fold in fold order (with the fold log's chain head and metrics),
  ``WalkForwardEnded`` (stitched summary). Nothing executor-specific is logged, so the head is the
  same for any executor or worker count;
* ``result.json`` (summary + fold table + how the folds were run: executor, workers, thread
  budget -- kept out of the log), ``equity.csv`` (stitched out-of-sample equity).

A rerun with the same manifest reuses every fold folder already committed (resume).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.atomic import write_json_atomic, write_text_atomic
from engine.backtest.rundir import read_json, slug
from engine.catalog import bars_frame, dataset_info
from engine.eventlog import EventLog, canonical_bytes
from engine.recording.manifest import code_version, library_versions
from engine.walkforward.errors import WalkForwardError
from engine.walkforward.executors import Executor, Outcome, SerialExecutor
from engine.walkforward.fold_task import FoldFailure, FoldResult, FoldTask, fold_seeds, run_fold
from engine.walkforward.folds import FoldScheme, check_fold_rows, make_folds
from engine.walkforward.search_space import SearchConfig
from engine.walkforward.stitch import fold_table, stitch_equity, summarise
from indicators import forward_return_labels

MANIFEST = "walkforward.json"
EVENTS = "events"
RESULT = "result.json"
EQUITY = "equity.csv"
DEFAULT_WORK = "engine.walkforward.ml_work:run"  # train_model + MLStrategy backtest per fold
SCHEMA = 1


@dataclass(frozen=True)
class WalkForwardConfig:
    """A walk-forward: data, model kind and parameters, fold scheme, seed, fold work, output.

    ``horizon`` (a ``params`` entry, bars, default 1) is the label horizon used for purging.
    ``n_trials``/``trials_sharpe_variance`` feed the deflated Sharpe ratio (configurations tried).
    ``search_trials`` > 0 runs a nested Optuna search in every fold's training window over
    ``search_space`` (a JSON file or ``{kind: {param: range}}``; default ``DEFAULT_SPACES``) with the
    last ``search_validation`` of the window as inner validation (``engine.walkforward.search``).
    """

    catalog: Path
    instrument: str
    bar: str
    train: str
    test: str
    model: str = "xgb"
    step: str | None = None
    anchored: bool = False
    embargo: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    work: str = DEFAULT_WORK
    out: Path = Path("runs")
    min_train_rows: int = 50
    n_trials: int = 1
    trials_sharpe_variance: float = 0.0
    search_trials: int = 0
    search_space: Path | str | Mapping[str, Any] | None = None
    search_validation: float = 0.25


@dataclass
class Plan:
    """Validated folds as tasks, the manifest and the run directory."""

    manifest: dict[str, Any]
    tasks: list[FoldTask]
    run_dir: Path


@dataclass
class WalkForwardResult:
    """A finished walk-forward: its folder, top-level chain head, outcomes in fold order, summary."""

    run_dir: Path
    head: str
    outcomes: list[Outcome]
    summary: dict[str, Any]

    @property
    def recomputed(self) -> int:
        return sum(1 for o in self.outcomes if isinstance(o, FoldResult) and not o.reused)


def _code_tag() -> str:
    code = code_version()
    return f"{code.get('version')}@{code.get('git_commit')}{'+dirty' if code.get('git_dirty') else ''}"


def _search_config(config: WalkForwardConfig, params: tuple[tuple[str, str], ...]) -> SearchConfig | None:
    """The nested search's settings (``None`` when off); a searched parameter may not also be fixed."""
    search = SearchConfig.build(
        config.search_trials, config.search_space, config.model, config.search_validation
    )
    if search is not None:
        fixed = sorted(k for k, _ in params if k.startswith("model.") and k[6:] in search.space_dict)
        if fixed:
            raise WalkForwardError(
                f"search: {fixed[0]} is fixed by a parameter and also searched; drop one of them"
            )
    return search


def plan(config: WalkForwardConfig) -> Plan:
    """List and validate every fold before any work (raises ``FoldError`` naming the fold)."""
    info = dataset_info(config.catalog, config.instrument, "bars", config.bar)
    frame = bars_frame(config.catalog, config.instrument, config.bar)
    scheme = FoldScheme.parse(config.train, config.test, config.step, config.anchored, config.embargo)
    folds = make_folds(frame.index[0], frame.index[-1], scheme)
    horizon = int(dict(config.params).get("horizon", "1"))
    label_end = forward_return_labels(frame, horizon, 0.0, 0.0)["label_end"]
    counts = check_fold_rows(frame.index, label_end, folds, scheme.embargo, config.min_train_rows)
    seeds = fold_seeds(config.seed, len(folds))
    code = _code_tag()
    params = tuple(sorted((str(k), str(v)) for k, v in config.params.items()))
    search = _search_config(config, params)
    root = Path(config.out)
    tasks_no_root = [
        FoldTask(
            fold=f,
            folds=tuple(folds),
            catalog=str(Path(config.catalog).resolve()),
            instrument=config.instrument,
            bar=config.bar,
            model=config.model,
            params=params,
            embargo=str(scheme.embargo),
            seed=seeds[f.index],
            work=config.work,
            out_root="",
            data_digest=info["digest"],
            code=code,
            search=search,
        ).with_key()
        for f in folds
    ]
    manifest = {
        "schema": SCHEMA,
        "kind": "walk-forward",
        "code": code,
        "libraries": library_versions(),
        "config": {
            "instrument": config.instrument,
            "bar": config.bar,
            "model": config.model,
            "params": dict(params),
            "scheme": scheme.to_dict(),
            "seed": config.seed,
            "work": config.work,
            "n_trials": config.n_trials,
            "trials_sharpe_variance": config.trials_sharpe_variance,
            **({"search": search.to_dict()} if search is not None else {}),
        },
        "data": {
            "dataset_digest": info["digest"],
            "bars": len(frame),
            "first_ts": frame.index[0].isoformat(),
            "last_ts": frame.index[-1].isoformat(),
        },
        "folds": [
            {**f.to_dict(), "fold_id": f.fold_id, "key": t.key, "seed": t.seed, **c}
            for f, t, c in zip(folds, tasks_no_root, counts, strict=True)
        ],
    }
    digest = hashlib.sha256(canonical_bytes(manifest)).hexdigest()
    run_dir = root / f"wf-{slug(config.instrument)}-{config.model}-{digest[:10]}"
    tasks = [dataclasses.replace(t, out_root=str(run_dir)) for t in tasks_no_root]
    return Plan(manifest, tasks, run_dir)


def walk_forward(config: WalkForwardConfig, executor: Executor | None = None) -> WalkForwardResult:
    """Plan, run every fold on ``executor`` (serial by default), stitch and record."""
    executor = executor or SerialExecutor()
    if hasattr(executor, "prepare"):
        executor.prepare([config.work])  # let the workers start while the folds are planned
    p = plan(config)
    p.run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(p.run_dir / MANIFEST, p.manifest)
    outcomes = executor.map_folds(run_fold, p.tasks)
    summary = summarise(outcomes, config.n_trials, config.trials_sharpe_variance)
    head = _write_top_log(p.run_dir, p.manifest, outcomes, summary)
    how = executor.describe() if hasattr(executor, "describe") else {"executor": executor.name}
    doc = {"head": head, "summary": summary, "folds": fold_table(outcomes), "executor": how}
    write_json_atomic(p.run_dir / RESULT, doc)
    write_text_atomic(p.run_dir / EQUITY, stitch_equity([o for o in outcomes if o.ok]).to_csv())
    return WalkForwardResult(p.run_dir, head, outcomes, summary)


def fold_event(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    """The top-level record of one fold outcome."""
    if isinstance(outcome, FoldFailure):
        return "FoldFailed", {"fold_id": outcome.fold_id, "index": outcome.index, "error": outcome.error}
    return "FoldCompleted", {
        "fold_id": outcome.fold_id,
        "index": outcome.index,
        "key": outcome.key,
        "head": outcome.head,
        "model": outcome.model,
        "in_sample": outcome.in_sample,
        "out_of_sample": outcome.out_of_sample,
    }


def _write_top_log(run_dir: Path, manifest: dict, outcomes: list[Outcome], summary: dict) -> str:
    """Write the top-level log in a hidden folder, then swap it in (an older log is replaced)."""
    staging = Path(tempfile.mkdtemp(prefix=".events-", dir=run_dir))
    try:
        with EventLog.create(staging) as log:
            log.append("WalkForwardStarted", manifest)
            for outcome in outcomes:
                log.append(*fold_event(outcome))
            log.append("WalkForwardEnded", summary)
            head = log.head
        target = run_dir / EVENTS
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".old-events-", dir=run_dir))
            os.rename(target, old / EVENTS)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
        return head
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def is_walk_forward_dir(path: str | Path) -> bool:
    """True when ``path`` holds a walk-forward manifest."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The walk-forward manifest of ``run_dir``."""
    return read_json(Path(run_dir) / MANIFEST)
