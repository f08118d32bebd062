"""Same chain heads under serial, process and Ray executors; a failing fold is reported with its
id and traceback while the other folds are kept (in fold order, whatever the completion order)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.eventlog import read_log
from engine.walkforward import (
    FoldFailure,
    FoldResult,
    ProcessExecutor,
    RayExecutor,
    SerialExecutor,
    WalkForwardResult,
    audit_walk_forward,
    walk_forward,
)
from tests.walkforward.conftest import wf_config

FAILING = {
    "work": "tests.walkforward.works:fail_on_fold",
    "params": {"model.n_estimators": "10", "fail_fold": "2"},
}


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory: pytest.TempPathFactory) -> WalkForwardResult:
    return walk_forward(wf_config(tmp_path_factory.mktemp("serial"), **FAILING), SerialExecutor())


def _check_failure_kept_others(r: WalkForwardResult) -> None:
    failed = [o for o in r.outcomes if isinstance(o, FoldFailure)]
    assert [f.fold_id for f in failed] == ["fold-002"]
    assert "ValueError: deliberate failure in fold-002" in failed[0].error
    assert "works.py" in failed[0].traceback and "fail_on_fold" in failed[0].traceback
    assert [o.fold_id for o in r.outcomes if isinstance(o, FoldResult)] == [
        f"fold-{i:03d}" for i in (0, 1, 3, 4, 5, 6)
    ]
    assert r.summary["failed"] == ["fold-002"] and r.summary["completed"] == 6
    records = list(read_log(r.run_dir / "events"))
    kinds = [rec.kind for rec in records]
    assert kinds == [
        "WalkForwardStarted",
        *["FoldCompleted"] * 2,
        "FoldFailed",
        *["FoldCompleted"] * 4,
        "WalkForwardEnded",
    ]
    assert records[3].data["fold_id"] == "fold-002"
    audit = audit_walk_forward(r.run_dir)
    assert audit.ok, audit.problems
    assert audit.folds_checked == 6 and audit.head == r.head


def test_serial_run(serial_run: WalkForwardResult) -> None:
    _check_failure_kept_others(serial_run)
    assert serial_run.recomputed == 6
    fold_kinds = [rec.kind for rec in read_log(Path(serial_run.outcomes[0].fold_dir) / "events")]
    assert fold_kinds == ["FoldStarted", "ModelTrained", "FoldEvaluated", "FoldEnded"]
    done = [o for o in serial_run.outcomes if o.ok]
    assert serial_run.summary["stitched"]["bars"] == sum(o.out_of_sample["bars"] for o in done)


def _same_as_serial(r: WalkForwardResult, serial: WalkForwardResult) -> None:
    _check_failure_kept_others(r)
    assert r.recomputed == 6
    assert [getattr(o, "head", None) for o in r.outcomes] == [
        getattr(o, "head", None) for o in serial.outcomes
    ]
    assert r.head == serial.head
    assert r.run_dir.name == serial.run_dir.name


def test_process_pool_gives_the_same_heads(serial_run: WalkForwardResult, tmp_path: Path) -> None:
    r = walk_forward(wf_config(tmp_path, **FAILING), ProcessExecutor(workers=2, max_tasks_per_child=4))
    _same_as_serial(r, serial_run)


def test_ray_gives_the_same_heads(serial_run: WalkForwardResult, ray_cluster: None, tmp_path: Path) -> None:
    r = walk_forward(wf_config(tmp_path, **FAILING), RayExecutor(workers=2, max_calls=4))
    _same_as_serial(r, serial_run)


def test_rerun_reuses_folds_and_keeps_the_head(serial_run: WalkForwardResult) -> None:
    config = wf_config(serial_run.run_dir.parent, **FAILING)
    again = walk_forward(config, SerialExecutor())
    assert again.recomputed == 0  # the six completed folds are reused; the failing one fails again
    assert sum(1 for o in again.outcomes if isinstance(o, FoldResult) and o.reused) == 6
    assert again.head == serial_run.head
