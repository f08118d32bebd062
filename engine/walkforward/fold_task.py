"""One fold as a pure, picklable task, and ``run_fold`` that executes it idempotently.

A ``FoldTask`` carries everything a worker needs (no open files, no callables: the fold work is
named as ``module:function``). ``run_fold`` writes the fold into an attempt-scoped hidden folder
and commits it by one atomic rename to ``<out>/folds/<fold-id>-<key>``; a fold folder that already
holds ``result.json`` is reused, not recomputed (resume, and at-least-once executors such as Ray).

Fold work signature: ``work(task, ctx) -> FoldOutput``. It appends its own events (``ModelTrained``,
the backtest's events) to ``ctx.log`` and may write files into ``ctx.dir``; ``run_fold`` adds
``FoldStarted`` before and ``FoldEnded`` after.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.atomic import write_text_atomic
from engine.eventlog import EventLog, canonical_bytes
from engine.walkforward.errors import WalkForwardError
from engine.walkforward.folds import Fold
from engine.walkforward.search_space import SearchConfig

RESULT = "result.json"
EVENTS = "events"
FOLDS_DIR = "folds"


@dataclass(frozen=True)
class FoldTask:
    """Everything one fold needs; ``key`` names its result (data digest + code + fold config,
    including the nested search's settings when ``search`` is set)."""

    fold: Fold
    folds: tuple[Fold, ...]
    catalog: str
    instrument: str
    bar: str
    model: str
    params: tuple[tuple[str, str], ...]
    embargo: str
    seed: int
    work: str
    out_root: str
    data_digest: str
    code: str
    key: str = ""
    search: SearchConfig | None = None

    @property
    def fold_id(self) -> str:
        return self.fold.fold_id

    @property
    def dir_name(self) -> str:
        return f"{self.fold_id}-{self.key[:12]}"

    @property
    def fold_dir(self) -> Path:
        return Path(self.out_root) / FOLDS_DIR / self.dir_name

    def describe(self) -> dict[str, Any]:
        """The fold's identity (the ``FoldStarted`` payload): no paths, nothing run-specific."""
        return {
            "fold_id": self.fold_id,
            "fold": self.fold.to_dict(),
            "test_windows": [[f.test_start.isoformat(), f.test_end.isoformat()] for f in self.folds],
            "instrument": self.instrument,
            "bar": self.bar,
            "model": self.model,
            "params": dict(self.params),
            "embargo": self.embargo,
            "seed": self.seed,
            "work": self.work,
            "data_digest": self.data_digest,
            "code": self.code,
            # only when on, so fold keys and heads of runs without a search are unchanged
            **({"search": self.search.to_dict()} if self.search is not None else {}),
        }

    def with_key(self) -> FoldTask:
        """This task with ``key`` = sha256 of ``describe()``."""
        key = hashlib.sha256(canonical_bytes(self.describe())).hexdigest()
        return dataclasses.replace(self, key=key)

    def param(self, name: str, default: str) -> str:
        return dict(self.params).get(name, default)


@dataclass
class FoldContext:
    """Where the fold work writes: the fold's event log and its attempt folder."""

    log: EventLog
    dir: Path


@dataclass
class FoldOutput:
    """What fold work returns: in-sample and out-of-sample metrics, the out-of-sample equity curve
    (``[ts_ns, equity]`` from the test window's start) and the model's identity."""

    in_sample: dict[str, Any]
    out_of_sample: dict[str, Any]
    equity: list[tuple[int, float]]
    model: dict[str, Any] = field(default_factory=dict)


@dataclass
class FoldResult:
    """A completed fold (fresh or reused from disk)."""

    fold_id: str
    index: int
    key: str
    head: str
    in_sample: dict[str, Any]
    out_of_sample: dict[str, Any]
    equity: list[tuple[int, float]]
    model: dict[str, Any]
    fold_dir: str
    reused: bool = False
    ok: bool = True


@dataclass
class FoldFailure:
    """A fold whose work raised: its id, the error and a short traceback summary."""

    fold_id: str
    index: int
    error: str
    traceback: str
    ok: bool = False


def fold_seeds(root_seed: int, n_folds: int) -> list[int]:
    """One seed per fold from ``SeedSequence(root).spawn``, keyed by fold index."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(root_seed).spawn(n_folds)]


def resolve_work(path: str) -> Callable[[FoldTask, FoldContext], FoldOutput]:
    """Import the fold work named ``module:function``."""
    module, _, name = path.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise WalkForwardError(
            f"fold work {path!r}: cannot import ({exc}); expected module:function"
        ) from None
    return fn


def load_result(fold_dir: Path, reused: bool = True) -> FoldResult:
    """Read a committed fold's ``result.json``."""
    path = Path(fold_dir) / RESULT
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WalkForwardError(f"{path}: cannot read the fold result ({exc})") from None
    doc["equity"] = [(int(t), float(v)) for t, v in doc["equity"]]
    return FoldResult(**doc, fold_dir=str(fold_dir), reused=reused)


def run_fold(task: FoldTask) -> FoldResult:
    """Run (or reuse) one fold; safe to call again or concurrently for the same task."""
    final = task.fold_dir
    if (final / RESULT).is_file():
        return load_result(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".attempt-{task.dir_name}-", dir=final.parent))
    try:
        log = EventLog.create(staging / EVENTS)
        try:
            log.append("FoldStarted", task.describe())
            out = resolve_work(task.work)(task, FoldContext(log=log, dir=staging))
            log.append(
                "FoldEnded",
                {"fold_id": task.fold_id, "in_sample": out.in_sample, "out_of_sample": out.out_of_sample},
            )
            head = log.head
        finally:
            log.close()
        doc = {
            "fold_id": task.fold_id,
            "index": task.fold.index,
            "key": task.key,
            "head": head,
            "in_sample": out.in_sample,
            "out_of_sample": out.out_of_sample,
            "equity": [[int(t), float(v)] for t, v in out.equity],
            "model": out.model,
        }
        write_text_atomic(staging / RESULT, json.dumps(doc, sort_keys=True))  # fsyncs file and folder
        try:
            os.rename(staging, final)
        except OSError:
            if not (final / RESULT).is_file():
                raise
            return load_result(final)  # another attempt committed first: keep its result
        return load_result(final, reused=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

