"""The Ray executor: ``workers`` long-lived actors that preload the fold machinery once.

The old executor ran each fold as a Ray task in a job-level ``runtime_env``; such workers cannot
be pre-started, so every worker (and every recycled one, ``max_calls``) paid for a fresh Python,
``import ray`` and our imports before its first fold. Here each actor imports the fold work in
its constructor and then runs folds one at a time; the driver hands the next fold (largest
first) to whichever actor is free and retires an actor after ``max_calls`` folds (NautilusTrader
leaks a little memory per engine). A local cluster started here gets the repository on
``PYTHONPATH`` and the thread budget through the environment it inherits, not a
``runtime_env``; joining a running cluster (``address``) still ships ``PYTHONPATH`` as a
``runtime_env``. An actor that dies mid-fold is replaced and the fold retried (``run_fold`` is
idempotent), up to ``retries`` times, then reported as a ``FoldFailure``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from typing import Any

from engine.walkforward.errors import WalkForwardError
from engine.walkforward.fold_task import FoldFailure, FoldTask
from engine.walkforward.worker import (
    REPO_ROOT,
    FoldFn,
    Outcome,
    apply_thread_budget,
    call_safely,
    exported_env,
    import_modules,
    longest_first,
    preload_modules,
    progress,
    thread_env,
    threads_per_worker,
)


class FoldActor:
    """One Ray worker process: preloads ``modules`` with the thread budget ``env``, runs folds."""

    def __init__(self, modules: list[str], env: dict[str, str]) -> None:
        os.environ.update(env)
        import_modules(modules)
        apply_thread_budget(env)

    def run(self, fn: FoldFn, task: FoldTask) -> Outcome:
        return call_safely(fn, task)


def _pythonpath() -> str:
    return os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)


class RayExecutor:
    """Ray actors: on a local cluster with ``num_cpus=workers`` (started here, shut down after)
    unless Ray is already initialised or ``address`` names a cluster to join. ``max_calls``
    folds per actor before it is replaced."""

    name = "ray"

    def __init__(
        self,
        workers: int = 2,
        address: str | None = None,
        temp_dir: str | None = None,
        max_calls: int = 4,
        verbose: bool = False,
        retries: int = 3,
    ) -> None:
        self.workers, self.address, self.temp_dir = workers, address, temp_dir
        self.max_calls, self.verbose, self.retries = max_calls, verbose, retries
        self.threads = threads_per_worker(workers)

    def describe(self) -> dict[str, Any]:
        """How the folds were run (for ``result.json``; never logged: heads are executor-free)."""
        return {
            "executor": self.name,
            "workers": self.workers,
            "max_calls": self.max_calls,
            "thread_env": thread_env(self.threads),
        }

    def _init(self) -> bool:
        try:
            import ray
        except ImportError:
            raise WalkForwardError(
                "executor 'ray': Ray is not installed; pip install 'lineage[ray]'"
            ) from None
        if ray.is_initialized():
            return False
        if self.address:
            ray.init(
                address=self.address,
                runtime_env={"env_vars": {"PYTHONPATH": _pythonpath()}},
                log_to_driver=self.verbose,
            )
            return True
        start_local_cluster(self.workers, self.temp_dir, self.verbose)
        return True

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        import ray

        started = self._init()
        try:
            return self._run(ray, fn, tasks)
        finally:
            if started:
                ray.shutdown()

    def _run(self, ray: Any, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        actor_cls = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(FoldActor)
        modules, env = preload_modules(t.work for t in tasks), thread_env(self.threads)
        queue = deque(longest_first(tasks))
        attempts = [0] * len(tasks)
        out: list[Outcome | None] = [None] * len(tasks)
        actors = [actor_cls.remote(modules, env) for _ in range(min(self.workers, len(tasks)))]
        calls = {id(a): 0 for a in actors}
        inflight: dict[Any, tuple[Any, int]] = {}
        with progress(len(tasks), self.verbose) as bar:
            while queue or inflight:
                for actor in [a for a in actors if all(a is not b for b, _ in inflight.values())]:
                    if queue:
                        i = queue.popleft()
                        inflight[actor.run.remote(fn, tasks[i])] = (actor, i)
                (ref,), _ = ray.wait(list(inflight), num_returns=1)
                actor, i = inflight.pop(ref)
                calls[id(actor)] += 1
                try:
                    out[i] = ray.get(ref)
                    bar.update(1)
                    retire = calls[id(actor)] >= self.max_calls
                except Exception as exc:  # the actor died mid-fold: replace it, retry the fold
                    attempts[i] += 1
                    if attempts[i] > self.retries:
                        t = tasks[i]
                        out[i] = FoldFailure(t.fold_id, t.fold.index, f"{type(exc).__name__}: {exc}", "")
                        bar.update(1)
                    else:
                        queue.appendleft(i)
                    retire = True
                if retire:
                    ray.kill(actor, no_restart=True)
                    actors.remove(actor)
                while queue and len(actors) < min(self.workers, len(queue) + len(inflight)):
                    fresh = actor_cls.remote(modules, env)
                    actors.append(fresh)
                    calls[id(fresh)] = 0
        for actor in actors:
            ray.kill(actor, no_restart=True)
        return [o for o in out if o is not None]


def start_local_cluster(workers: int, temp_dir: str | None = None, verbose: bool = False) -> None:
    """``ray.init`` a local cluster of ``workers`` CPUs whose worker processes inherit the
    repository on ``PYTHONPATH`` and the thread budget from this process's environment (set only
    while the cluster starts: its daemons copy the environment then)."""
    import ray

    wanted = {"PYTHONPATH": _pythonpath(), **thread_env(threads_per_worker(workers))}
    with exported_env(wanted):
        ray.init(
            num_cpus=workers,
            include_dashboard=False,
            _temp_dir=temp_dir or "/tmp/ray",
            log_to_driver=verbose,
        )
