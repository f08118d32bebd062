"""``lineage strategies``: in-process and as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_lists_short_names(capsys):
    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    for name in ("buy-and-hold", "ema-cross", "sma-cross"):
        assert name in out
    assert "(kind=sma)" in out


def test_shows_parameters_of_the_nautilus_example(capsys):
    assert main(["strategies", "nautilus_trader.examples.strategies.ema_cross:EMACross"]) == 0
    lines = capsys.readouterr().out.splitlines()
    trade_size = next(line for line in lines if line.split()[0] == "trade_size")
    assert "Decimal" in trade_size and trade_size.endswith("required")
    assert any(line.split()[0] == "fast_ema_period" and line.endswith("default 10") for line in lines[1:])


def test_unknown_strategy_exits_2_via_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "strategies", "no-such-strategy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "unknown strategy 'no-such-strategy'" in proc.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "engine.cli", "strategies", "sma-cross"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0 and "implied: kind=sma" in ok.stdout
