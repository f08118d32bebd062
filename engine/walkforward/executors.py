"""Executors: run fold tasks serially, in a local process pool, or on a Ray cluster.

Every executor returns outcomes in FOLD ORDER (never completion order), and turns a fold that
raises into a ``FoldFailure`` (fold id, error, traceback summary) while keeping the others.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from engine.walkforward.errors import WalkForwardError
from engine.walkforward.fold_task import FoldFailure, FoldResult, FoldTask

Outcome = FoldResult | FoldFailure
FoldFn = Callable[[FoldTask], FoldResult]
REPO_ROOT = Path(__file__).resolve().parents[2]
EXECUTORS = ("serial", "process", "ray")


def call_safely(fn: FoldFn, task: FoldTask) -> Outcome:
    """``fn(task)``, or a ``FoldFailure`` naming the fold if it raises."""
    try:
        return fn(task)
    except Exception as exc:
        summary = "".join(traceback.format_exception(exc, limit=-4)).strip()
        return FoldFailure(task.fold_id, task.fold.index, f"{type(exc).__name__}: {exc}", summary)


def _progress(total: int, verbose: bool, desc: str) -> tqdm:
    return tqdm(
        total=total, desc=desc, unit="fold", file=sys.stderr, disable=not (verbose or sys.stderr.isatty())
    )


class Executor(Protocol):
    """``map_folds(fn, tasks)`` -> one outcome per task, in the tasks' order."""

    name: str

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]: ...


class SerialExecutor:
    """Folds one after another in this process."""

    name = "serial"

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        out = []
        with _progress(len(tasks), self.verbose, "folds") as bar:
            for task in tasks:
                out.append(call_safely(fn, task))
                bar.update(1)
        return out


class ProcessExecutor:
    """A local ``spawn`` process pool; workers are recycled after ``max_tasks_per_child`` folds
    (NautilusTrader leaks a little memory per engine).

    Uses ``multiprocessing.Pool(maxtasksperchild=...)``: on Python 3.11,
    ``ProcessPoolExecutor(max_tasks_per_child=...)`` deadlocks once a worker retires (CPython
    gh-115634, fixed in later releases). ``timeout`` (seconds per fold, optional) turns a worker
    that died without answering into a ``FoldFailure`` instead of a hang.
    """

    name = "process"

    def __init__(
        self,
        workers: int = 2,
        max_tasks_per_child: int = 4,
        verbose: bool = False,
        timeout: float | None = None,
    ) -> None:
        self.workers, self.max_tasks_per_child, self.verbose = workers, max_tasks_per_child, verbose
        self.timeout = timeout

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        out: list[Outcome] = []
        pool = get_context("spawn").Pool(self.workers, maxtasksperchild=self.max_tasks_per_child)
        try:
            with _progress(len(tasks), self.verbose, "folds") as bar:
                pending = [
                    pool.apply_async(call_safely, (fn, t), callback=lambda _r: bar.update(1)) for t in tasks
                ]
                for t, job in zip(tasks, pending, strict=True):
                    try:
                        out.append(job.get(self.timeout))
                    except Exception as exc:  # a worker died, or the fold timed out
                        out.append(FoldFailure(t.fold_id, t.fold.index, f"{type(exc).__name__}: {exc}", ""))
            pool.close()
            pool.join()
        finally:
            pool.terminate()
        return out


class RayExecutor:
    """Ray tasks: a local cluster with ``num_cpus=workers`` (started here, shut down after) unless
    Ray is already initialised or ``address`` names a cluster to join. ``max_calls`` recycles
    worker processes. Tasks are at-least-once; ``run_fold`` is idempotent."""

    name = "ray"

    def __init__(
        self,
        workers: int = 2,
        address: str | None = None,
        temp_dir: str | None = None,
        max_calls: int = 4,
        verbose: bool = False,
    ) -> None:
        self.workers, self.address, self.temp_dir = workers, address, temp_dir
        self.max_calls, self.verbose = max_calls, verbose

    def _init(self) -> bool:
        try:
            import ray
        except ImportError:
            raise WalkForwardError(
                "executor 'ray': Ray is not installed; pip install 'lineage[ray]'"
            ) from None
        if ray.is_initialized():
            return False
        env = {"PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)}
        options: dict = {"runtime_env": {"env_vars": env}, "log_to_driver": self.verbose}
        if self.address:
            ray.init(address=self.address, **options)
        else:
            ray.init(
                num_cpus=self.workers,
                include_dashboard=False,
                _temp_dir=self.temp_dir or "/tmp/ray",
                **options,
            )
        return True

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        import ray

        started = self._init()
        try:
            remote = ray.remote(num_cpus=1, max_calls=self.max_calls)(call_safely)
            refs = [remote.remote(fn, t) for t in tasks]
            with _progress(len(tasks), self.verbose, "folds") as bar:
                pending = list(refs)
                while pending:
                    done, pending = ray.wait(pending, num_returns=1)
                    bar.update(len(done))
            out: list[Outcome] = []
            for t, ref in zip(tasks, refs, strict=True):
                try:
                    out.append(ray.get(ref))
                except Exception as exc:  # worker crashed beyond Ray's retries
                    out.append(FoldFailure(t.fold_id, t.fold.index, f"{type(exc).__name__}: {exc}", ""))
            return out
        finally:
            if started:
                ray.shutdown()


def make_executor(name: str, workers: int = 2, address: str | None = None, verbose: bool = False) -> Executor:
    """The executor called ``name`` (``serial|process|ray``)."""
    if name == "serial":
        return SerialExecutor(verbose)
    if name == "process":
        return ProcessExecutor(workers, verbose=verbose)
    if name == "ray":
        return RayExecutor(workers, address=address, verbose=verbose)
    raise WalkForwardError(f"executor {name!r}: unknown; expected one of {list(EXECUTORS)}")
