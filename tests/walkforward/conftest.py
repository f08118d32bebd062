"""Walk-forward fixtures: a small real configuration on the bundled ETH/BTC 5-minute bars, and one
Ray cluster per test session (shut down at the end, leaving no Ray processes behind)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.catalog import sample_catalog
from engine.walkforward import WalkForwardConfig
from engine.walkforward.executors import REPO_ROOT


def wf_config(out: Path, **overrides: object) -> WalkForwardConfig:
    """7 rolling folds (train 4 days, test 2 days, 1h embargo) of a small XGBoost on real bars."""
    fields: dict[str, object] = {
        "catalog": sample_catalog(),
        "instrument": "ETHBTC.SIM",
        "bar": "5-MINUTE",
        "train": "4D",
        "test": "2D",
        "embargo": "1h",
        "params": {"model.n_estimators": "20"},
        # Fold-mechanics tests use the fast research fold; tests/walkforward/test_ml_work.py and the
        # CLI test run the production fold work (train_model + MLStrategy backtest).
        "work": "engine.walkforward.direct:run",
        "seed": 5,
        "out": out,
    }
    fields.update(overrides)
    return WalkForwardConfig(**fields)


def session_processes(temp: str) -> set[int]:
    """PIDs of the Ray cluster whose temp dir is ``temp``: its daemons (their command lines name
    the temp dir) and everything they started (workers, actors). Other engineers' clusters on the
    same machine are not counted."""
    import psutil

    pids: set[int] = set()
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if any(temp in arg for arg in proc.info["cmdline"] or []):
                pids.add(proc.pid)
                pids.update(c.pid for c in proc.children(recursive=True))
        except psutil.Error:
            continue
    return pids


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local 2-CPU Ray cluster for the whole session (token auth off, short temp dir); after
    shutdown none of its processes may be left."""
    ray = pytest.importorskip("ray")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _temp_dir=temp,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(REPO_ROOT)}},
    )
    yield
    ours = session_processes(temp)
    assert ours, f"no processes found for the Ray cluster in {temp}"
    ray.shutdown()
    import time

    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in ours) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [pid for pid in ours if _alive(pid)]
    assert not left, f"Ray processes left behind: {left}"
