"""Recorded backtests on real data: determinism, log framing, fills once, run directory."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from engine.backtest import run_backtest
from engine.backtest.rundir import EVENTS, LOCATOR, MANIFEST, METRICS, SUMMARY
from engine.eventlog import read_log, verify_log
from tests.conftest import ema_config


def test_same_seed_same_head_and_a_param_changes_it(tmp_path, ema_run):
    again = run_backtest(ema_config(tmp_path / "a"))
    assert again.head == ema_run.head
    assert again.run_id == ema_run.run_id
    other = run_backtest(ema_config(tmp_path / "b", params={"trade_size": "1", "fast_ema_period": "5"}))
    assert other.head != ema_run.head
    assert other.run_id != ema_run.run_id


def test_same_manifest_in_same_out_dir_gets_a_suffix(tmp_path):
    first = run_backtest(ema_config(tmp_path, end="2018-01-11"))
    second = run_backtest(ema_config(tmp_path, end="2018-01-11"))
    assert second.run_id == f"{first.run_id}-2"
    assert second.head == first.head
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_directory_and_log_frame(ema_run):
    run_dir = ema_run.run_dir
    for name in (MANIFEST, METRICS, SUMMARY, LOCATOR, EVENTS):
        assert (run_dir / name).exists(), name
    assert verify_log(run_dir / EVENTS).ok
    records = list(read_log(run_dir / EVENTS))
    assert records[0].kind == "RunStarted"
    assert records[-1].kind == "RunEnded"
    assert [r.kind for r in records].count("RunStarted") == 1
    manifest = json.loads((run_dir / MANIFEST).read_text())
    assert records[0].data == manifest
    text = json.dumps(manifest)
    assert str(run_dir) not in text and "catalog" not in manifest  # no absolute paths, no run id
    assert manifest["seeds"]["fill_model"] == 7
    assert manifest["code"]["git_commit"] is None or len(manifest["code"]["git_commit"]) == 40
    assert records[-1].chain == ema_run.head == json.loads((run_dir / METRICS).read_text())["chain_head"]


def test_each_fill_recorded_once_and_ids_are_canonical(ema_run):
    records = list(read_log(ema_run.run_dir / EVENTS))
    fills = [r for r in records if r.kind == "OrderFilled"]
    engine = ema_run.metrics["engine"]
    assert engine["fills"] > 10
    assert len(fills) == engine["fills"]
    assert len({f.data["trade_id"] for f in fills}) == len(fills)
    ids = [r.data["event_id"] for r in records if "event_id" in r.data]
    assert len(ids) == len(set(ids))
    assert ids[:3] == ["uuid-000001", "uuid-000002", "uuid-000003"]
    kinds = Counter(r.kind for r in records)
    assert kinds["OrderInitialized"] == engine["orders"]
    assert kinds["PositionOpened"] == len(engine["positions"])


def test_marks_cover_every_bar_and_equity_is_decimal(ema_run):
    records = list(read_log(ema_run.run_dir / EVENTS))
    marks = [r for r in records if r.kind == "Marks"]
    ts = [t for m in marks for t in m.data["ts"]]
    curve = ema_run.metrics["engine"]["equity_curve"]
    assert ts == curve["ts"] == sorted(ts)
    assert all(len(m.data["ts"]) <= 1024 for m in marks)
    assert Decimal(curve["equity"][0]) == Decimal("10") + Decimal("100") * Decimal(marks[0].data["close"][0])


def test_summary_and_benchmark_present(ema_run):
    assert "buy" in ema_run.summary.lower()
    assert ema_run.metrics["buy_and_hold"]
    assert ema_run.metrics["strategy"]
