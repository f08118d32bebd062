"""The local process-pool executor: workers forked from a preloaded forkserver.

Start-up dominated the old ``spawn`` pool: every worker (and every recycled one) imported
NautilusTrader, torch, XGBoost and pandas itself, ~2.5 s of CPU each, on the same two cores as the
folds. Here one ``forkserver`` process imports them once, with the workers' thread budget in its
environment, and each worker is a cheap ``fork`` of it -- so recycling a worker to keep its memory
flat (NautilusTrader leaks a little per engine) costs milliseconds, not seconds. The forkserver
itself is a fresh single-threaded process, unlike the caller, so forking it is safe.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Sequence
from multiprocessing import forkserver, get_context
from pathlib import Path
from typing import Any

from engine.walkforward.fold_task import FoldFailure, FoldTask
from engine.walkforward.preload import PRELOAD_ENV
from engine.walkforward.worker import (
    FoldFn,
    Outcome,
    apply_thread_budget,
    call_safely,
    exported_env,
    longest_first,
    preload_modules,
    progress,
    thread_env,
    threads_per_worker,
)

_started_env: dict[str, str] | None = None  # the environment the running forkserver was given


def start_forkserver(modules: Sequence[str], env: dict[str, str]) -> dict[str, str]:
    """Start this process's forkserver (once) with ``modules`` preloaded and ``env`` exported;
    returns the environment the running forkserver actually has (the first caller's)."""
    global _started_env
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(["engine.walkforward.preload"])
    wanted = {**env, PRELOAD_ENV: ",".join(modules)}
    with exported_env(wanted):  # the forkserver inherits the environment when it is exec'd
        forkserver.ensure_running()
        if _started_env is None:
            _started_env = dict(wanted)
    return _started_env


class ProcessExecutor:
    """``workers`` processes forked from a preloaded forkserver; each is recycled after
    ``max_tasks_per_child`` folds. Folds are handed out largest first; outcomes come back in fold
    order. A worker that dies while running a fold (killed, out of memory, ``os._exit``) is
    noticed within a second: its fold is retried once in a fresh worker, and fails with a
    ``FoldFailure`` if that worker dies too. ``timeout`` (seconds per fold, optional) turns a fold
    that gives no answer in time into a ``FoldFailure``.

    Uses ``multiprocessing.Pool(maxtasksperchild=...)``: on Python 3.11,
    ``ProcessPoolExecutor(max_tasks_per_child=...)`` deadlocks once a worker retires (CPython
    gh-115634, fixed in later releases).
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
        self.threads = threads_per_worker(workers)
        self.worker_env: dict[str, str] = {}

    def describe(self) -> dict[str, Any]:
        """How the folds were run (for ``result.json``; never logged: heads are executor-free)."""
        return {
            "executor": self.name,
            "workers": self.workers,
            "start_method": "forkserver",
            "max_tasks_per_child": self.max_tasks_per_child,
            "thread_env": {k: v for k, v in self.worker_env.items() if k != PRELOAD_ENV},
        }

    def prepare(self, works: Sequence[str]) -> None:
        """Start the forkserver importing the fold work ``works`` now, while the caller plans
        (``walk_forward`` calls this before listing the folds)."""
        self.worker_env = start_forkserver(preload_modules(works), thread_env(self.threads))

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        self.prepare([t.work for t in tasks])  # a no-op when already started
        env = self.worker_env
        ctx = get_context("forkserver")
        pool = ctx.Pool(
            self.workers,
            initializer=apply_thread_budget,
            initargs=({k: v for k, v in env.items() if k != PRELOAD_ENV},),
            maxtasksperchild=self.max_tasks_per_child,
        )
        with (
            tempfile.TemporaryDirectory(prefix="lineage-folds-") as running,
            progress(len(tasks), self.verbose) as bar,
        ):
            try:
                folds = _TrackedFolds(pool, fn, tasks, running, bar.update)
                for i in longest_first(tasks):
                    folds.submit(i)
                out = [folds.outcome(i, self.timeout) for i in range(len(tasks))]
                pool.close()
                if not folds.retried:  # a dead worker's lost task stays in the pool's books
                    pool.join()
            finally:
                pool.terminate()
        return out


class _TrackedFolds:
    """The folds handed to ``pool``, each run under a marker naming its worker (``running``), so
    a worker that dies mid-fold is noticed: its fold is retried once, then failed."""

    def __init__(self, pool: Any, fn: FoldFn, tasks: Sequence[FoldTask], running: str, done: Any) -> None:
        self.pool, self.fn, self.tasks, self.running, self.done = pool, fn, tasks, running, done
        self.pending: dict[int, Any] = {}
        self.retried: set[int] = set()

    def submit(self, i: int) -> None:
        args = (self.fn, self.tasks[i], self.running, i)
        self.pending[i] = self.pool.apply_async(_run_tracked, args, callback=lambda _r: self.done(1))

    def outcome(self, i: int, timeout: float | None) -> Outcome:
        """Fold ``i``'s outcome, waiting (``timeout`` seconds at most, if set) and checking for
        dead workers while it waits."""
        task = self.tasks[i]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                return self.pending[i].get(_POLL_SECONDS)
            except mp.TimeoutError:
                self._reap()
                if deadline is not None and time.monotonic() > deadline:
                    return _fold_failure(task, f"TimeoutError: no result in {timeout}s")
            except Exception as exc:  # cannot reach the worker's answer
                return _fold_failure(task, f"{type(exc).__name__}: {exc}")

    def _reap(self) -> None:
        """Retry (once) or fail each fold whose worker died while running it."""
        for j, pid in _died_running(self.running):
            if j in self.retried:
                self.pending[j] = _Failed(self.tasks[j], f"its worker process died twice (pid {pid})")
            else:
                self.retried.add(j)
                self.submit(j)


_POLL_SECONDS = 0.5


def _run_tracked(fn: FoldFn, task: FoldTask, running: str, index: int) -> Outcome:
    """In a worker: ``call_safely(fn, task)``, with a file named after this process holding the
    fold's index while it runs, so the parent can tell which fold a worker that died was running."""
    marker = Path(running) / str(os.getpid())
    marker.write_text(str(index))
    try:
        return call_safely(fn, task)
    finally:
        marker.unlink(missing_ok=True)


def _died_running(running: str) -> list[tuple[int, int]]:
    """``(fold index, pid)`` for each worker that died while running a fold (its marker stays);
    the markers are removed, so each death is reported once."""
    died = []
    for marker in Path(running).iterdir():
        pid = int(marker.name)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            died.append((int(marker.read_text()), pid))
            marker.unlink(missing_ok=True)
    return died


def _fold_failure(task: FoldTask, error: str) -> FoldFailure:
    return FoldFailure(task.fold_id, task.fold.index, error, "")


class _Failed:
    """A result that is already known to be a failure (``get`` like an ``AsyncResult``)."""

    def __init__(self, task: FoldTask, reason: str) -> None:
        self.failure = _fold_failure(task, reason)

    def get(self, timeout: float | None = None) -> FoldFailure:
        return self.failure
