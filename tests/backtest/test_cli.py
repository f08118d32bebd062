"""The ``lineage backtest`` and ``lineage audit`` commands, in-process and via the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.catalog import sample_catalog
from engine.cli import main
from tests.conftest import EMA_CROSS

REPO = Path(__file__).resolve().parents[2]


def _args(out: Path) -> list[str]:
    return [
        "backtest",
        "--catalog",
        str(sample_catalog()),
        "--instrument",
        "ETHBTC.SIM",
        "--bar",
        "5-MINUTE",
        "--strategy",
        EMA_CROSS,
        "--param",
        "trade_size=1",
        "--param",
        "slow_ema_period=30",
        "--balance",
        "10 BTC",
        "--balance",
        "50 ETH",
        "--taker-fee",
        "0.002",
        "--seed",
        "5",
        "--start",
        "2018-01-12",
        "--end",
        "2018-01-14",
        "--out",
        str(out),
    ]


def test_backtest_then_audit_in_process(tmp_path, capsys):
    assert main(_args(tmp_path)) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    run_dir = Path(lines[-1])
    assert run_dir.parent == tmp_path and run_dir.name.startswith("emacross-ethbtc.sim-")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["strategy"]["params"] == {"slow_ema_period": "30", "trade_size": "1"}
    assert manifest["venue"]["instrument"]["taker_fee"] == "0.002"
    assert main(["audit", str(run_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_bad_param_is_a_user_error(tmp_path, capsys):
    args = [*_args(tmp_path), "--param", "no_such_field=1"]
    assert main(args) == 2
    assert "no_such_field" in capsys.readouterr().err


def test_real_entry_point(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "engine.cli", *_args(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    run_dir = run.stdout.strip().splitlines()[-1]
    audit = subprocess.run(
        [sys.executable, "-m", "engine.cli", "audit", run_dir],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "OK" in audit.stdout.splitlines()[0]
