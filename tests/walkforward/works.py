"""Fold work used by tests: the real direct fold, made to fail on one fold, to take its time, to
report its worker's environment, or to kill its worker (once, or every time)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from engine.walkforward import direct
from engine.walkforward.fold_task import FoldContext, FoldOutput, FoldTask


def fail_on_fold(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """``direct.run``, except the fold whose index is the ``fail_fold`` parameter raises."""
    if task.fold.index == int(task.param("fail_fold", "1")):
        raise ValueError(f"deliberate failure in {task.fold_id}")
    return direct.run(task, ctx)


def slow(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """``direct.run`` followed by a pause (``delay`` seconds), so a test can kill the run mid-way."""
    out = direct.run(task, ctx)
    time.sleep(float(task.param("delay", "2")))
    return out


def env_probe(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """``direct.run``, recording in the fold's model info the thread budget the worker ran with
    and whether torch was loaded."""
    out = direct.run(task, ctx)
    out.model["omp_threads"] = os.environ.get("OMP_NUM_THREADS")
    out.model["torch_loaded"] = "torch" in sys.modules
    return out


def die_once(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """Kill the worker process the first time each fold runs (a marker file beside the run
    remembers), then do ``direct.run`` -- an executor must replace the worker and retry."""
    marker = Path(task.out_root) / f"died-{task.fold_id}"
    if not marker.exists():
        marker.touch()
        os._exit(17)
    return direct.run(task, ctx)


def die_always(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """Kill the worker process every time (an executor must give up on the fold, not hang)."""
    os._exit(18)
