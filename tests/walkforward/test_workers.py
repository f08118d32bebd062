"""Worker mechanics of the pooled executors: folds handed out largest first, the per-worker thread
budget (recorded in result.json, never in the log), the same heads as serial when fold sizes
differ, Ray actors recycled after every fold and replaced when one dies mid-fold, and a fold
worker that never loads torch for an XGBoost model."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from engine.walkforward import ProcessExecutor, RayExecutor, SerialExecutor, audit_walk_forward, walk_forward
from engine.walkforward.executors import REPO_ROOT
from engine.walkforward.worker import longest_first, thread_env, threads_per_worker
from tests.walkforward.conftest import wf_config

T0 = pd.Timestamp("2024-01-01", tz="UTC")
ANCHORED = {"anchored": True, "train": "3D", "test": "2D", "params": {"model.n_estimators": "10"}}


def _task(train_h: int, test_h: int) -> SimpleNamespace:
    fold = SimpleNamespace(
        train_start=T0,
        train_end=T0 + pd.Timedelta(hours=train_h),
        test_start=T0 + pd.Timedelta(hours=train_h),
        test_end=T0 + pd.Timedelta(hours=train_h + test_h),
    )
    return SimpleNamespace(fold=fold)


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(1, 50)), max_size=30))
def test_longest_first_is_a_permutation_by_span_then_fold_order(sizes: list[tuple[int, int]]) -> None:
    tasks = [_task(a, b) for a, b in sizes]
    order = longest_first(tasks)  # type: ignore[arg-type]
    assert sorted(order) == list(range(len(tasks)))
    spans = [sum(sizes[i]) for i in order]
    assert spans == sorted(spans, reverse=True)
    for a, b in itertools.pairwise(order):
        assert sum(sizes[a]) > sum(sizes[b]) or a < b


@given(st.integers(1, 64), st.integers(1, 256))
def test_thread_budget_never_oversubscribes(workers: int, cores: int) -> None:
    threads = threads_per_worker(workers, cores)
    assert threads >= 1
    assert threads * workers <= cores or threads == 1


def test_anchored_folds_same_heads_and_worker_thread_budget(tmp_path: Path) -> None:
    serial = walk_forward(wf_config(tmp_path / "s", **ANCHORED), SerialExecutor())
    ex = ProcessExecutor(workers=2, max_tasks_per_child=2)
    pooled = walk_forward(wf_config(tmp_path / "p", **ANCHORED), ex)
    assert len(pooled.outcomes) >= 4 and all(o.ok for o in pooled.outcomes)
    assert [o.head for o in pooled.outcomes] == [o.head for o in serial.outcomes]
    assert pooled.head == serial.head
    how = json.loads((pooled.run_dir / "result.json").read_text())["executor"]
    assert how["executor"] == "process" and how["start_method"] == "forkserver"
    budget = how["thread_env"]
    assert set(budget) == set(thread_env(1)) and int(budget["OMP_NUM_THREADS"]) >= 1

    probe = walk_forward(wf_config(tmp_path / "e", **ANCHORED, work="tests.walkforward.works:env_probe"), ex)
    assert {o.model["omp_threads"] for o in probe.outcomes} == {budget["OMP_NUM_THREADS"]}
    assert not any(o.model["torch_loaded"] for o in probe.outcomes)


def test_ray_actor_recycled_every_fold_gives_serial_heads(ray_cluster: None, tmp_path: Path) -> None:
    serial = walk_forward(wf_config(tmp_path / "s", **ANCHORED), SerialExecutor())
    pooled = walk_forward(wf_config(tmp_path / "r", **ANCHORED), RayExecutor(workers=2, max_calls=1))
    assert [o.head for o in pooled.outcomes] == [o.head for o in serial.outcomes]
    assert pooled.head == serial.head


def _assert_every_fold_survived_one_death(r) -> None:
    """Each fold's worker died once (``works.die_once``); every fold still succeeded and audits."""
    assert all(o.ok for o in r.outcomes), [getattr(o, "error", None) for o in r.outcomes]
    assert len(list(r.run_dir.glob("died-fold-*"))) == len(r.outcomes)  # every fold's worker died once
    assert audit_walk_forward(r.run_dir).ok


def test_ray_replaces_an_actor_that_died_and_retries_its_fold(ray_cluster: None, tmp_path: Path) -> None:
    config = wf_config(tmp_path, **ANCHORED, work="tests.walkforward.works:die_once")
    r = walk_forward(config, RayExecutor(workers=2, max_calls=8))
    _assert_every_fold_survived_one_death(r)


def test_process_pool_retries_a_fold_whose_worker_died(tmp_path: Path) -> None:
    """A worker that dies mid-fold (no answer, no exception) must not hang the run: its fold is
    retried once in a fresh worker, and the run audits clean."""
    config = wf_config(tmp_path, **ANCHORED, work="tests.walkforward.works:die_once")
    r = walk_forward(config, ProcessExecutor(workers=2, max_tasks_per_child=8))
    _assert_every_fold_survived_one_death(r)


def test_process_pool_fails_a_fold_whose_worker_dies_twice(tmp_path: Path) -> None:
    config = wf_config(tmp_path, **ANCHORED, work="tests.walkforward.works:die_always")
    r = walk_forward(config, ProcessExecutor(workers=2, max_tasks_per_child=8))
    assert r.outcomes and not any(o.ok for o in r.outcomes)
    assert all("worker process died twice" in o.error for o in r.outcomes)


def test_xgboost_fold_never_imports_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from engine.walkforward import SerialExecutor, walk_forward\n"
        "from tests.walkforward.conftest import wf_config\n"
        f"r = walk_forward(wf_config({str(tmp_path)!r}), SerialExecutor())\n"
        "assert all(o.ok for o in r.outcomes)\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
