"""Backtest-vs-paper parity on loopback: one recording feeds both a backtest (through
``engine.paper.parity.parity_catalog``) and a paper session (through the exchange simulator);
``lineage diff`` finds the same decisions, and pinpoints an injected divergence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.audit.diff import diff_runs
from engine.backtest import run_backtest
from engine.cli import main
from engine.errors import LineageError
from engine.exchange_sim import ExchangeSimulator, build_timeline
from engine.exchange_sim.sources import load_market_data
from engine.exchange_sim.timeline import bar_sets
from engine.paper import PaperSessionConfig, run_paper_session
from engine.paper.parity import parity_catalog
from engine.training import TrainingConfig, train_model
from indicators.spec import FeatureSet

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "catalogs" / "sources" / "crypto"
BTC = "BTCUSDT.BINANCE"
XRP = "XRPETH.BINANCE"
ML_SPEED = 3000.0  # one recorded minute in 20 ms
SPEED = 20.0
# trade size below every recorded L1 size: a market order never fills partially
PARAMS = {"fast": "3", "slow": "8", "trade_size": "0.000001"}


def _paper(data, run_dir: Path, bar_type: str, params: dict[str, str]):
    first, last = data.span_ms()
    with ExchangeSimulator(data, speed=SPEED) as sim:
        cfg = PaperSessionConfig(strategy="ema-cross", instrument_id=BTC, run_dir=run_dir, params=params,
                                 bar=bar_type, exchange_url=sim.base_url,
                                 duration=(last - first) / 1000 / SPEED + 1.5)  # fmt: skip
        return run_paper_session(cfg)


def test_catalog_holds_exactly_the_bars_the_simulator_streams(btc_data, tmp_path):
    pc = parity_catalog(btc_data, BTC, tmp_path / "cat", "1s")
    streamed = [e for e in build_timeline(btc_data, bar_sets(btc_data, ("1s",))) if "@kline_1s" in e.stream]
    assert len(pc.bars) == len(streamed) > 30
    # stamped at close: the kline's open time + 1 s, in the order the simulator sends them
    assert [b.ts_init for b in pc.bars] == [e.ts_ms * 1_000_000 for e in streamed]
    assert all(b.ts_event == b.ts_init for b in pc.bars)
    with pytest.raises(LineageError, match="already exists"):
        parity_catalog(btc_data, BTC, tmp_path / "cat", "1s")


def test_backtest_and_paper_on_the_same_recording_make_the_same_decisions(btc_data, tmp_path):
    pc = parity_catalog(btc_data, BTC, tmp_path / "cat", "1s")
    bt = run_backtest(catalog=pc.path, instrument_id=BTC, bar=pc.bar, strategy="ema-cross", params=PARAMS,
                      balances=("1000000 USDT",), out=tmp_path / "runs")  # fmt: skip
    paper = _paper(btc_data, tmp_path / "paper", pc.bar_type, PARAMS)
    assert bt.metrics["engine"]["orders"] >= 2 and len(paper.fills) >= 2
    report = diff_runs(bt.run_dir, tmp_path / "paper")
    assert report.ok, report.render()
    na, nb = report.counts["order"]
    assert na == nb >= 2  # the whole order stream, not a prefix
    assert main(["diff", str(bt.run_dir), str(tmp_path / "paper")]) == 0

    # inject: the paper side runs a faster average on the same feed
    _paper(btc_data, tmp_path / "paper-fast2", pc.bar_type, {**PARAMS, "fast": "2"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "engine.cli", "diff", str(bt.run_dir), str(tmp_path / "paper-fast2")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "DECISIONS DIFFER" in proc.stdout
    line = next(x for x in proc.stdout.splitlines() if x.startswith("order:"))
    assert "first divergent order #" in line and " A=" in line and " B=" in line, proc.stdout


def test_ml_strategy_fast_path_backtest_and_streaming_paper_session_decide_alike(tmp_path):
    """``xgb`` (MLStrategy with a tiny model): the backtest's batched fast path and the session's
    streaming features give the same ModelDecisions bar by bar (time, action, probabilities)."""
    data = load_market_data(SOURCES, XRP)
    opens = data.bars["1m"]["open_ms"]
    split_ms = int(opens.iloc[1800]) + 60_000  # the recorded 1-minute bar file: train before, trade after
    end_ms = int(opens.iloc[2100]) + 60_000
    train = parity_catalog(data, XRP, tmp_path / "train", "1m", end_ms=split_ms - 1)
    test = parity_catalog(data, XRP, tmp_path / "test", "1m", start_ms=split_ms, end_ms=end_ms)
    features = FeatureSet.from_names(["rsi_14", "bbpctb_20_2", "willr_14", "cci_14"])
    train_model(TrainingConfig(catalog=train.path, instrument_id=XRP, bar=train.bar, model="xgb", name="xrp",
                               features=features, model_params={"n_estimators": 20, "max_depth": 3},
                               model_root=tmp_path / "models"))  # fmt: skip
    # max_position 1 XRP: the size never depends on equity, and every recorded trade is >= 1 XRP
    models = str(tmp_path / "models")
    params = {"model": "xrp", "model_root": models, "max_position": "1", "threshold": "0.34"}
    bt = run_backtest(catalog=test.path, instrument_id=XRP, bar=test.bar, strategy="xgb", params=params,
                      balances=("1000 ETH",), out=tmp_path / "runs")  # fmt: skip
    duration = (end_ms - split_ms) / 1000 / ML_SPEED + 1.5
    with ExchangeSimulator(data, speed=ML_SPEED, start_ms=split_ms, end_ms=end_ms) as sim:
        run_paper_session(PaperSessionConfig(strategy="xgb", instrument_id=XRP, run_dir=tmp_path / "paper",
                                             params=params, bar=test.bar_type, exchange_url=sim.base_url,
                                             starting_balances=("1000 ETH",), duration=duration))  # fmt: skip
    report = diff_runs(bt.run_dir, tmp_path / "paper")
    assert report.ok, report.render()
    decisions, _ = report.counts["decision"]
    assert decisions == report.counts["decision"][1] >= 10 and report.counts["order"][0] >= 1

    # inject on the backtest side: a stricter threshold changes the first signal-driven decision
    strict = run_backtest(catalog=test.path, instrument_id=XRP, bar=test.bar, strategy="xgb",
                          params={**params, "threshold": "0.99"}, balances=("1000 ETH",),
                          out=tmp_path / "runs")  # fmt: skip
    report = diff_runs(strict.run_dir, tmp_path / "paper")
    assert not report.ok
    div = report.divergences["decision"]
    assert div.field == "action" and div.a != div.b and div.a_seq is not None and div.b_seq is not None
    assert f"first divergent decision #{div.index}: action:" in report.render()
