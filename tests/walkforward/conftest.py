"""Walk-forward fixtures: a small real configuration on the bundled ETH/BTC 5-minute bars, and one
Ray cluster per test session (shut down at the end, leaving no Ray processes behind)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
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


def ray_processes(temp: str) -> set[int]:
    """Live processes of the Ray cluster whose temp dir is ``temp`` (its command lines name it)."""
    found = set()
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and temp in " ".join(proc.info["cmdline"] or ()):
                found.add(proc.pid)
        except psutil.Error:
            continue
    return found


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def alive(pids: set[int]) -> set[int]:
    """The subset of ``pids`` still running (zombies count as gone)."""
    left = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.add(pid)
        except psutil.Error:
            continue
    return left


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local 2-CPU Ray cluster for the whole session (token auth off, short temp dir).

    At the end it checks that every process of *this* cluster is gone: the driver's descendants
    (raylet, GCS, workers, actors) captured just before shutdown, and anything naming its temp dir.
    Other Ray clusters on the machine (another test run, a benchmark) are not this fixture's business.
    """
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
    ours = {p.pid for p in psutil.Process().children(recursive=True) if "ray" in " ".join(_cmdline(p))}
    ours |= ray_processes(temp)
    ray.shutdown()
    deadline = time.monotonic() + 20
    while (alive(ours) or ray_processes(temp)) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = alive(ours) | ray_processes(temp)
    names = {pid: " ".join(_cmdline(psutil.Process(pid)))[:120] for pid in alive(left)}
    assert not left, f"Ray processes left behind: {names}"
