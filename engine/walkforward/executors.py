"""Executors: run fold tasks serially, in a local process pool, or on a Ray cluster.

Every executor returns outcomes in FOLD ORDER (never completion order), and turns a fold that
raises into a ``FoldFailure`` (fold id, error, traceback summary) while keeping the others.
The pools live in ``process_pool.py`` (forkserver workers) and ``ray_pool.py`` (Ray actors);
what their workers share is in ``worker.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from engine.walkforward.errors import WalkForwardError
from engine.walkforward.fold_task import FoldTask
from engine.walkforward.process_pool import ProcessExecutor
from engine.walkforward.ray_pool import RayExecutor
from engine.walkforward.worker import REPO_ROOT, FoldFn, Outcome, call_safely, progress

EXECUTORS = ("serial", "process", "ray")
__all__ = [
    "EXECUTORS",
    "REPO_ROOT",
    "Executor",
    "FoldFn",
    "Outcome",
    "ProcessExecutor",
    "RayExecutor",
    "SerialExecutor",
    "call_safely",
    "make_executor",
]


class Executor(Protocol):
    """``map_folds(fn, tasks)`` -> one outcome per task, in the tasks' order."""

    name: str

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]: ...


class SerialExecutor:
    """Folds one after another in this process."""

    name = "serial"

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def describe(self) -> dict[str, Any]:
        """How the folds were run (for ``result.json``)."""
        return {"executor": self.name, "workers": 1}

    def map_folds(self, fn: FoldFn, tasks: Sequence[FoldTask]) -> list[Outcome]:
        out = []
        with progress(len(tasks), self.verbose) as bar:
            for task in tasks:
                out.append(call_safely(fn, task))
                bar.update(1)
        return out


def make_executor(name: str, workers: int = 2, address: str | None = None, verbose: bool = False) -> Executor:
    """The executor called ``name`` (``serial|process|ray``)."""
    if name == "serial":
        return SerialExecutor(verbose)
    if name == "process":
        return ProcessExecutor(workers, verbose=verbose)
    if name == "ray":
        return RayExecutor(workers, address=address, verbose=verbose)
    raise WalkForwardError(f"executor {name!r}: unknown; expected one of {list(EXECUTORS)}")
