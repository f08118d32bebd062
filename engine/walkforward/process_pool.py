"""The local process-pool executor: workers forked from a preloaded forkserver.

Start-up dominated the old ``spawn`` pool: every worker (and every recycled one) imported
NautilusTrader, torch, XGBoost and pandas itself, ~2.5 s of CPU each, on the same two cores as the
folds. Here one ``forkserver`` process imports them once, with the workers' thread budget in its
environment, and each worker is a cheap ``fork`` of it -- so recycling a worker to keep its memory
flat (NautilusTrader leaks a little per engine) costs milliseconds, not seconds. The forkserver
itself is a fresh single-threaded process, unlike the caller, so forking it is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from multiprocessing import forkserver, get_context
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
    order. ``timeout`` (seconds per fold, optional) turns a worker that died without answering
    into a ``FoldFailure`` instead of a hang.

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
        out: list[Outcome] = []
        try:
            with progress(len(tasks), self.verbose) as bar:
                pending = {
                    i: pool.apply_async(call_safely, (fn, tasks[i]), callback=lambda _r: bar.update(1))
                    for i in longest_first(tasks)
                }
                for i, t in enumerate(tasks):
                    try:
                        out.append(pending[i].get(self.timeout))
                    except Exception as exc:  # a worker died, or the fold timed out
                        out.append(FoldFailure(t.fold_id, t.fold.index, f"{type(exc).__name__}: {exc}", ""))
            pool.close()
            pool.join()
        finally:
            pool.terminate()
        return out
