"""Resume: a run killed after its first fold committed reuses that fold when rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.walkforward import audit_walk_forward, walk_forward
from engine.walkforward.executors import REPO_ROOT, SerialExecutor
from tests.walkforward.conftest import wf_config

ARGS = {
    "train": "4D",
    "test": "4D",
    "work": "tests.walkforward.works:slow",
    "params": {"model.n_estimators": "10", "delay": "3"},
}


def _committed(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("wf-*/folds/fold-*/result.json"))


def test_killed_run_resumes_from_committed_folds(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "engine.cli", "walk-forward", "--catalog", str(wf_config(tmp_path).catalog),
        "--instrument", "ETHBTC.SIM", "--bar", "5-MINUTE", "--train", "4D", "--test", "4D", "--embargo", "1h",
        "--seed", "5", "--work", ARGS["work"], "--param", "model.n_estimators=10", "--param", "delay=3",
        "--out", str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 180
        while not _committed(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert _committed(tmp_path), (
            f"no fold committed: {proc.poll()} {proc.stderr.read() if proc.poll() else ''}"
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL  # killed mid-way, not finished
    done_before = _committed(tmp_path)
    run_dir = done_before[0].parent.parent
    assert not (run_dir / "events").exists()  # the top-level log is written only at the end

    result = walk_forward(wf_config(tmp_path, **ARGS), SerialExecutor())
    n = len(result.outcomes)
    assert n == 3 and result.run_dir == run_dir
    assert result.recomputed == n - len(done_before)  # committed folds reused, not recomputed
    reused = [o.fold_dir for o in result.outcomes if o.reused]
    assert sorted(Path(d) for d in reused) == done_before
    assert audit_walk_forward(run_dir).ok
