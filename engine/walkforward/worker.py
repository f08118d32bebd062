"""What every executor's worker shares: running a fold safely, the worker's thread budget, the
modules a worker preloads, and the order folds are handed out.

Threads: the fold work is single-threaded by construction (XGBoost ``nthread=1`` and torch
``num_threads`` are explicit model parameters, part of the fold key), so results never depend on
the worker's thread budget. The budget only stops idle library pools (OpenMP, OpenBLAS, MKL)
from oversubscribing the cores: ``cores // workers`` threads each, at least 1; a value the user
exported in the environment wins.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from engine.walkforward.fold_task import FoldFailure, FoldResult, FoldTask

Outcome = FoldResult | FoldFailure
FoldFn = Callable[[FoldTask], FoldResult]
REPO_ROOT = Path(__file__).resolve().parents[2]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# imported once by a forkserver / Ray actor so that each fold does not pay for them
BASE_PRELOAD = ("engine.walkforward.fold_task", "engine.walkforward.ml_work", "engine.walkforward.direct")


def call_safely(fn: FoldFn, task: FoldTask) -> Outcome:
    """``fn(task)``, or a ``FoldFailure`` naming the fold if it raises."""
    try:
        return fn(task)
    except Exception as exc:
        summary = "".join(traceback.format_exception(exc, limit=-4)).strip()
        return FoldFailure(task.fold_id, task.fold.index, f"{type(exc).__name__}: {exc}", summary)


def progress(total: int, verbose: bool, desc: str = "folds") -> tqdm:
    """A fold progress bar on stderr, shown on a terminal or when ``verbose``."""
    return tqdm(
        total=total, desc=desc, unit="fold", file=sys.stderr, disable=not (verbose or sys.stderr.isatty())
    )


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Library threads each of ``workers`` processes may use: ``cores // workers``, at least 1."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def thread_env(threads: int) -> dict[str, str]:
    """The ``THREAD_VARS`` a worker runs with: the user's exported value, else ``threads``."""
    return {var: os.environ.get(var) or str(threads) for var in THREAD_VARS}


def apply_thread_budget(env: dict[str, str]) -> None:
    """In a fresh worker: export ``env`` and cap torch's intra-op pool if torch is loaded (the
    native pools read the variables when their library loads, so set them before imports)."""
    os.environ.update(env)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(int(env["OMP_NUM_THREADS"]))


@contextmanager
def exported_env(values: dict[str, str]) -> Iterator[None]:
    """Export ``values`` in this process's environment for the block (child processes started in it
    inherit them), then restore what was there before, unset variables included."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def preload_modules(works: Iterable[str]) -> list[str]:
    """Modules a worker imports before its first fold: the fold machinery and the module of each
    fold work (``module:function``)."""
    modules = sorted({w.partition(":")[0] for w in works})
    return [*BASE_PRELOAD, *(m for m in modules if m not in BASE_PRELOAD)]


def import_modules(modules: Sequence[str]) -> None:
    """Import ``modules``; one that fails is left for the fold to report (with its fold id)."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the fold that needs it fails loudly, with its id
            continue


def longest_first(tasks: Sequence[FoldTask]) -> list[int]:
    """Task positions, largest fold (training + test span) first, ties in fold order: with two
    workers a long anchored fold handed out last would leave one worker idle at the end."""

    def span(i: int) -> int:
        f = tasks[i].fold
        return (f.train_end - f.train_start).value + (f.test_end - f.test_start).value

    return sorted(range(len(tasks)), key=lambda i: (-span(i), i))

