"""The tutorials in ``runs/`` are the docs' guarantee: each runs as a user would run it (a subprocess
from the repo root, output under tmp) and prints what its docstring promises.

Timing on 2 cores: backtest ~9 s, audit ~4 s, walk-forward ~9 s, paper ~10 s (4 s of wall-clock
replay plus start-up), about 35 s in all.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.catalog import sample_catalog

REPO = Path(__file__).resolve().parents[2]
HEX64 = r"[0-9a-f]{64}"


@pytest.fixture(scope="module", autouse=True)
def _sample() -> None:
    sample_catalog()  # build once here, not inside a timed tutorial


def run_tutorial(name: str, out: Path, timeout: float = 120) -> list[str]:
    """Run ``runs/<name>.py OUT`` from the repo root; return its stdout lines (exit code 0 required)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "runs" / f"{name}.py"), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.splitlines()


def test_backtest_tutorial_runs_both_strategies_and_writes_a_report(tmp_path: Path) -> None:
    lines = run_tutorial("tutorial_backtest", tmp_path)
    text = "\n".join(lines)
    assert "== Lineage baseline: ema-cross 10/30 ==" in text
    assert "== NautilusTrader example: EMACross 10/30 ==" in text
    assert text.count("Buy & hold") == 2
    heads = re.findall(rf"^chain head: ({HEX64})$", text, re.M)
    assert len(heads) == 2 and heads[0] != heads[1]
    run_dirs = [Path(m) for m in re.findall(r"^run directory: (.+)$", text, re.M)]
    assert len(run_dirs) == 2
    for run_dir in run_dirs:
        assert run_dir.parent == tmp_path and (run_dir / "events").is_dir()
    report = Path(re.search(r"^report: (.+)$", text, re.M).group(1))
    assert report == run_dirs[0] / "report.html"
    assert report.read_text().lstrip().lower().startswith("<!doctype html")
    # both strategies traded the same bars as their buy-and-hold column
    bars = re.findall(r"^Bars\s+([\d,]+)\s+([\d,]+)$", text, re.M)
    assert len(bars) == 2 and all(a == b == bars[0][0] for a, b in bars)


def test_audit_tutorial_catches_the_forged_record_by_number(tmp_path: Path) -> None:
    text = "\n".join(run_tutorial("tutorial_audit", tmp_path))
    head = re.search(rf"^chain head: ({HEX64})$", text, re.M).group(1)
    assert re.search(r"^audit: OK \(\d+ records; rebuilt \d+ orders, [1-9]\d* fills", text, re.M)
    forged = re.search(r"^forged record (\d+) \(OrderFilled\): last_px (\S+) -> (\S+)$", text, re.M)
    assert forged and forged.group(2) != forged.group(3)
    caught = re.search(r"^tampered copy: FAILED: first bad record (\d+): (.+)$", text, re.M)
    assert caught and caught.group(1) == forged.group(1)
    assert "breaks the hash chain" in caught.group(2)
    assert f"re-executed: chain head {head} (same)" in text


def test_walkforward_tutorial_prints_folds_stitched_result_and_audit(tmp_path: Path) -> None:
    lines = run_tutorial("tutorial_walkforward", tmp_path)
    text = "\n".join(lines)
    planned = re.findall(r"^(fold-\d{3}): train .+ test .+$", text, re.M)
    rows = re.findall(r"^(fold-\d{3})\s+-?\d+\.\d+\s+-?\d+\.\d+\s+[+-]\d+\.\d+\s+[+-]\d+\.\d+$", text, re.M)
    assert len(planned) >= 3 and rows == planned  # every planned fold completed, in order
    stitched = re.search(
        r"^stitched out of sample: return [+-]\d+\.\d+ sharpe -?\d+\.\d+ PSR (\d\.\d+) DSR (\d\.\d+) "
        r"\((\d+)/(\d+) folds\)$",
        text,
        re.M,
    )
    assert stitched, text
    psr, dsr = float(stitched.group(1)), float(stitched.group(2))
    assert 0.0 <= dsr <= psr <= 1.0  # deflating for three trials raises the benchmark
    assert stitched.group(3) == stitched.group(4) == str(len(planned))
    assert "audit: OK" in lines
    run_dir = Path(lines[-1])
    assert run_dir.parent == tmp_path and (run_dir / "walkforward.json").is_file()


def test_paper_tutorial_trades_the_simulator_and_audits_the_session(tmp_path: Path) -> None:
    lines = run_tutorial("tutorial_paper", tmp_path)
    text = "\n".join(lines)
    assert re.search(r"^exchange simulator: http://127\.0\.0\.1:\d+$", text, re.M)
    assert re.search(r"^exchange simulator stopped after sending [1-9]\d* messages$", text, re.M)
    fills = re.findall(r"^fill: (BUY|SELL) (\S+) @ (\S+) \(commission .+\)$", text, re.M)
    assert {side for side, _, _ in fills} == {"BUY", "SELL"}
    session = re.search(r"^fills=(\d+) gaps=0 received=\d+ rejected=0 stopped_by=duration$", text, re.M)
    assert session and int(session.group(1)) == len(fills)
    assert re.search(rf"^audit: OK \(\d+ records, chain head {HEX64}\)$", text, re.M)
    run_dir = Path(lines[-1])
    assert run_dir == tmp_path / "session" and (run_dir / "log").is_dir()
