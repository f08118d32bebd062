"""Fold work used by tests: the real direct fold, made to fail on one fold or to take its time."""

from __future__ import annotations

import time

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
