"""The exchange-sim and paper commands, in-process via engine.cli.main and as subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from engine.cli import main
from engine.exchange_sim import ExchangeSimulator

ROOT = Path(__file__).resolve().parents[2]
BTC = "BTCUSDT.BINANCE"


def _spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "engine.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_exchange_sim_prints_base_url_first_and_stops_on_sigterm(sources):
    proc = _spawn("exchange-sim", "--catalog", str(sources), "--instrument", BTC, "--speed", "inf")
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/api/v3/exchangeInfo?symbol=BTCUSDT", timeout=5) as resp:
            assert json.load(resp)["symbols"][0]["symbol"] == "BTCUSDT"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.strip().startswith("stopped after sending")


def test_paper_command_runs_ema_cross_on_bars_and_prints_run_dir_last(btc_data, tmp_path, capsys):
    run_dir = tmp_path / "ema"
    with ExchangeSimulator(btc_data, speed=20) as sim:
        args = ["paper", "--strategy", "nautilus_trader.examples.strategies.ema_cross:EMACross"]
        args += ["--instrument", BTC, "--bar", "1-SECOND-LAST-EXTERNAL"]
        for param in ("trade_size=0.0005", "fast_ema_period=3", "slow_ema_period=6"):
            args += ["--param", param]
        args += ["--exchange-url", sim.base_url, "--run", str(run_dir), "--duration", "3.5"]
        code = main(args)
    assert code == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads((run_dir / "session.json").read_text())
    assert summary["manifest"]["bar"] == "1-SECOND-LAST-EXTERNAL"
    assert summary["fill_count"] > 0  # EMA crosses on recorded 1-second bars led to fills


def test_paper_command_rejects_unknown_strategy(capsys, tmp_path):
    assert main(["paper", "--strategy", "nope", "--instrument", BTC, "--run", str(tmp_path / "r")]) == 2
    assert "strategy 'nope'" in capsys.readouterr().err


def test_paper_subprocess_stops_cleanly_on_sigterm(btc_data, tmp_path):
    run_dir = tmp_path / "sig"
    with ExchangeSimulator(btc_data, speed=10) as sim:
        args = ["--instrument", BTC, "--param", "trade_size=0.0002", "--exchange-url", sim.base_url]
        proc = _spawn("paper", "--strategy", "round-trip", *args, "--run", str(run_dir))
        try:
            deadline = time.monotonic() + 30
            while sim.sent < 200 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)  # the session is up once the feed flows
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads((run_dir / "session.json").read_text())
    assert summary["stopped_by"] == "SIGTERM"


@pytest.mark.parametrize("bad", [["--speed", "-1"]])
def test_exchange_sim_rejects_bad_speed(sources, bad, capsys):
    with pytest.raises(SystemExit):
        main(["exchange-sim", "--catalog", str(sources), "--instrument", BTC, *bad])
    assert "speed" in capsys.readouterr().err
