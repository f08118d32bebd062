"""Durability and parity on loopback: SIGKILL a `lineage paper` process mid-position, restart it on
the same run, and check the chain, the rebuilt state, the audit and the diff."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.audit import audit_run
from engine.audit.diff import diff_runs, first_divergence
from engine.cli import main
from engine.eventlog import EventLog, read_log, verify_log
from engine.exchange_sim import ExchangeSimulator
from engine.paper import PaperSessionConfig, run_paper_session
from engine.paper.latency import percentile
from engine.paper.resume import session_state

ROOT = Path(__file__).resolve().parents[2]
BTC = "BTCUSDT.BINANCE"
PARAMS = ["--param", "trade_size=0.0002", "--param", "hold=250", "--param", "cycles=3"]


def _open_position(log_dir: Path) -> bool:
    if not any(log_dir.glob("*.seg")):
        return False
    try:
        return bool(session_state(read_log(log_dir)).open_fills)
    except Exception:  # a frame being written right now
        return False


def test_sigkill_mid_position_then_restart_continues_one_chain(btc_data, tmp_path):
    run_dir = tmp_path / "run"
    log_dir = run_dir / "log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with ExchangeSimulator(btc_data, speed=5) as sim:
        cmd = [sys.executable, "-m", "engine.cli", "paper", "--strategy", "round-trip", "--instrument", BTC]
        cmd += [*PARAMS, "--exchange-url", sim.base_url, "--run", str(run_dir)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 40
            while not _open_position(log_dir) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        resume_at = sim.now_ms
    before = session_state(read_log(log_dir))  # the log's rebuild before the restart
    head_before = verify_log(log_dir).head
    assert before.open_fills and before.balances and not (run_dir / "session.json").exists()

    with ExchangeSimulator(btc_data, speed=10, start_ms=resume_at) as sim:
        args = ["paper", "--strategy", "round-trip", "--instrument", BTC, *PARAMS]
        assert main([*args, "--exchange-url", sim.base_url, "--run", str(run_dir), "--duration", "3"]) == 0

    report = verify_log(log_dir)
    assert report.error is None and report.torn_tail is None
    records = list(read_log(log_dir))
    kinds = [r.kind for r in records]
    assert kinds.count("RunStarted") == 1 and kinds.count("SessionResumed") == 1 and kinds[-1] == "RunEnded"
    seam = kinds.index("SessionResumed")
    resumed = records[seam].data
    assert resumed["previous_head"] == records[seam - 1].chain  # one continuous chain across the kill
    if records[seam - 1].kind != "LogRecovered":
        assert resumed["previous_head"] == head_before
    assert resumed["balances"] == before.balances and resumed["positions"] == before.positions()
    assert resumed["previous_ended_cleanly"] is False
    after = records[seam + 1 :]
    first_state = next(r.data for r in after if r.kind == "AccountState")
    assert {b["currency"]: b["total"] for b in first_state["balances"]} == before.balances  # funded from log
    # the restored position is closed after the restart: the run continued trading on it
    (pid,) = before.open_fills
    closed = [r.data for r in after if r.kind == "PositionClosed" and r.data["position_id"] == pid]
    assert closed, kinds[seam:]
    opening = before.open_fills[pid][0]["client_order_id"]
    assert closed[0]["opening_order_id"] == opening
    assert Decimal(closed[0]["quantity"]) == 0
    ids = [r.data["event_id"] for r in records if "event_id" in r.data]
    assert len(ids) == len(set(ids))  # canonical ids continue, none reused
    summary = json.loads((run_dir / "session.json").read_text())
    assert summary["chain_head"] == report.head
    assert summary["latency"]["count"] >= 1
    audit = audit_run(run_dir)
    assert audit.ok, (audit.problems, audit.mismatches)
    assert audit.checked["sessions"] == 2


def test_resume_refuses_another_strategy_and_audit_catches_a_forged_seam(btc_data, tmp_path):
    run_dir = tmp_path / "run"
    with ExchangeSimulator(btc_data, speed=20) as sim:
        cfg = PaperSessionConfig(strategy="round-trip", instrument_id=BTC, run_dir=run_dir,
                                 params={"trade_size": "0.0002", "hold": "20"}, exchange_url=sim.base_url,
                                 duration=1.5)  # fmt: skip
        run_paper_session(cfg)
        bad = ["paper", "--strategy", "buy-and-hold", "--instrument", BTC, "--bar", "1-SECOND-LAST-EXTERNAL"]
        assert main([*bad, "--exchange-url", sim.base_url, "--run", str(run_dir), "--duration", "1"]) == 2
    assert audit_run(run_dir).ok
    with EventLog.open(run_dir / "log") as log:  # a seam that lies about the balances
        log.append("SessionResumed", {"previous_head": log.head, "balances": {"USDT": "1"}, "positions": {}})
        log.append("RunEnded", {})
    report = audit_run(run_dir)
    assert not report.ok
    assert any("SessionResumed.balances" in m.field for m in report.mismatches)


def _first_seq(divergence) -> int:
    """The earliest log record at which a divergence shows, in either run."""
    return min(seq for seq in (divergence.a_seq, divergence.b_seq) if seq is not None)


def test_paper_replays_of_the_same_feed_are_at_parity_and_an_injected_divergence_is_pinpointed(
    btc_data, tmp_path
):
    runs = []
    for name in ("a", "b"):
        with ExchangeSimulator(btc_data, speed=0) as sim:  # as fast as possible, in order
            cfg = PaperSessionConfig(strategy="round-trip", instrument_id=BTC, run_dir=tmp_path / name,
                                     params={"trade_size": "0.0002", "hold": "40", "cycles": "4"},
                                     exchange_url=sim.base_url, duration=3.0)  # fmt: skip
            runs.append(run_paper_session(cfg))
    assert all(len(r.fills) >= 8 for r in runs)
    report = diff_runs(tmp_path / "a", tmp_path / "b")
    # decisions are a function of the feed; fills are not (the live execution engine hands orders
    # to the venue asynchronously, so which trade ticks fill them, wholly or partly, depends on
    # timing). Orders are a function of the feed and the fills: equal while the fills are equal;
    # after a partial fill differs, the strategy may order the remainder, but never before.
    assert "decision" not in report.divergences, report.render()
    fill, order = report.divergences.get("fill"), report.divergences.get("order")
    if fill is None:
        assert order is None, report.render()
    elif order is not None:
        assert _first_seq(order) > _first_seq(fill), report.render()
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == (0 if report.ok else 1)

    # inject: the same feed, but the strategy holds one trade longer in run c
    with ExchangeSimulator(btc_data, speed=0) as sim:
        cfg = PaperSessionConfig(strategy="round-trip", instrument_id=BTC, run_dir=tmp_path / "c",
                                 params={"trade_size": "0.0003", "hold": "40", "cycles": "4"},
                                 exchange_url=sim.base_url, duration=3.0)  # fmt: skip
        run_paper_session(cfg)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "engine.cli", "diff", str(tmp_path / "a"), str(tmp_path / "c")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "first divergent order #0: quantity: A='0.00020000' B='0.00030000'" in proc.stdout
    assert "first divergent fill #0: last_qty" in proc.stdout


items = st.lists(st.fixed_dictionaries({"x": st.integers(0, 3), "y": st.sampled_from("ab")}), max_size=8)


@settings(max_examples=60, deadline=None)
@given(items, items)
def test_first_divergence_is_the_first_differing_item(a, b):
    sa, sb = list(enumerate(a)), list(enumerate(b))
    div = first_divergence("s", sa, sb, prefix=False)
    if a == b:
        assert div is None
        return
    assert div is not None
    assert a[: div.index] == b[: div.index]  # everything before it matches
    if div.field == "(missing)":
        assert div.index == min(len(a), len(b))
    else:
        assert a[div.index][div.field] == div.a != div.b == b[div.index][div.field]
    prefixed = first_divergence("s", sa, sb, prefix=True)
    n = min(len(a), len(b))
    assert (prefixed is None) == (a[:n] == b[:n])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=50), st.floats(1, 100))
def test_percentile_is_a_sample_with_enough_values_at_or_below(values, q):
    ordered = sorted(values)
    p = percentile(ordered, q)
    assert p in ordered
    assert sum(v <= p for v in ordered) >= len(ordered) * q / 100
