"""Audit of real MARGIN runs (BTC-PERP 1-minute bars) whose NETTING position flips side in one fill.

``tests.audit.flipper:Flipper`` walks the position through +1, -2, +3, +1, -1, 0, +2, +4, -3, 0
units: opens, adds, reduces, closes and flips. The audit must rebuild every cycle, balance and
margin from the log and match the engine and every recorded account and position event exactly,
with no warnings.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest

from engine.audit import audit_run
from engine.backtest import run_backtest
from engine.backtest.rundir import EVENTS, MANIFEST
from engine.catalog import sample_catalog
from engine.eventlog import EventLog, read_log

FLIPPER = "tests.audit.flipper:Flipper"


def _run(out, **params):
    return run_backtest(
        catalog=sample_catalog(),
        instrument_id="BTCPERP.SIM",
        bar="1-MINUTE",
        strategy=FLIPPER,
        params={"unit": "0.05", "every": "7", **params},
        balances=("100000 USD",),
        maker_fee="0.0002",
        taker_fee="0.0005",
        end="2022-01-01T06:00:00",
        out=out,
    )


@pytest.fixture(scope="module")
def flip_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("margin"))


@pytest.fixture(scope="module")
def resting_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("margin-resting"), rest_limit="true")


def _records(run, kind):
    return [r for r in read_log(run.run_dir / EVENTS) if r.kind == kind]


def test_margin_run_with_flips_reconciles_exactly_without_warnings(flip_run):
    manifest = json.loads((flip_run.run_dir / MANIFEST).read_text())
    assert manifest["venue"]["account_type"] == "MARGIN"
    assert manifest["venue"]["margin"]["default_leverage"] == "10"
    report = audit_run(flip_run.run_dir)
    assert report.ok, report.to_dict()
    assert report.warnings == [] and report.mismatches == []
    states = _records(flip_run, "AccountState")
    locked = {Decimal(s.data["balances"][0]["locked"]) for s in states}
    assert len(locked) > 5, "maintenance margin should vary with the position"
    commissions = [Decimal(r.data["commission"].split()[0]) for r in _records(flip_run, "OrderFilled")]
    assert all(c > 0 for c in commissions)


def test_flips_close_one_cycle_and_open_the_next(flip_run):
    closed = _records(flip_run, "PositionClosed")
    opened = _records(flip_run, "PositionOpened")
    flips = {r.data["closing_order_id"] for r in closed} & {r.data["opening_order_id"] for r in opened}
    assert len(flips) >= 4
    engine = flip_run.metrics["engine"]
    rows = {(p["opening_order_id"], p["closing_order_id"]) for p in engine["positions"]}
    for rec in closed:  # every closed cycle, flipped or not, is among the engine's figures
        assert (rec.data["opening_order_id"], rec.data["closing_order_id"]) in rows
    realized = sum(Decimal(r.data["realized_pnl"].split()[0]) for r in closed)
    open_rows = [p for p in engine["positions"] if not p["ts_closed"]]
    realized += sum(Decimal(p["realized_pnl"]) for p in open_rows)
    assert realized == Decimal(engine["realized_pnl"]["USD"])
    assert flip_run.metrics["strategy"]["trade_count"] == len(closed)


def test_total_balance_moves_by_realized_pnl_less_commissions(flip_run):
    engine = flip_run.metrics["engine"]
    start, end = Decimal(engine["starting_balances"]["USD"]), Decimal(engine["final_balances"]["USD"])
    assert engine["positions"][-1]["ts_closed"], "Flipper closes everything on stop"
    fills = _records(flip_run, "OrderFilled")
    commissions = sum(Decimal(r.data["commission"].split()[0]) for r in fills)
    closed = _records(flip_run, "PositionClosed")
    # cycles' realised PnL already carries their commissions; balances pay each fill's once
    assert end - start == sum(Decimal(r.data["realized_pnl"].split()[0]) for r in closed)
    assert commissions == Decimal(engine["commissions"]["USD"])


def test_resting_orders_lock_initial_margin_and_reconcile(resting_run):
    states = _records(resting_run, "AccountState")
    assert any(m["initial"] != "0.00" for s in states for m in s.data["margins"])
    report = audit_run(resting_run.run_dir)
    assert report.ok, report.to_dict()
    assert report.warnings == []


def _forge(run, tmp_path, seq, change):
    """A copy of ``run`` whose record ``seq`` is rewritten by ``change`` (a valid chain: the log
    is re-appended record by record, as a forger with write access would)."""
    copy = tmp_path / "forged"
    shutil.copytree(run.run_dir, copy)
    records = list(read_log(copy / EVENTS))
    shutil.rmtree(copy / EVENTS)
    log = EventLog.create(copy / EVENTS, durability="group")
    for rec in records:
        data = change(dict(rec.data)) if rec.seq == seq else rec.data
        log.append(rec.kind, data)
    log.close()
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["chain_head"] = log.head
    (copy / "metrics.json").write_text(json.dumps(metrics))
    return copy


def test_a_changed_fill_fails_the_margin_reconciliation_naming_the_record(flip_run, tmp_path):
    fills = _records(flip_run, "OrderFilled")
    target = next(r for r in fills[1:] if r.data["order_side"] == "SELL")
    state = next(r for r in _records(flip_run, "AccountState") if r.seq > target.seq)

    def nudge(data):
        data["last_px"] = str(Decimal(data["last_px"]) + Decimal("10.000"))
        return data

    forged = _forge(flip_run, tmp_path, target.seq, nudge)
    report = audit_run(forged)
    assert report.chain_error is None and not report.ok
    names = [m.field for m in report.mismatches]
    assert any(n.startswith(f"record {state.seq} AccountState balance.USD.total") for n in names), names
    assert any(n.startswith("record ") and "Position" in n and "realized_pnl" in n for n in names), names


def test_a_log_without_margin_terms_is_audited_with_a_clear_warning(flip_run, tmp_path):
    def old_manifest(data):
        data["venue"] = {k: v for k, v in data["venue"].items() if k != "margin"}
        data["schema"] = 1
        return data

    forged = _forge(flip_run, tmp_path, 0, old_manifest)
    manifest = json.loads((forged / MANIFEST).read_text())
    (forged / MANIFEST).write_text(json.dumps(old_manifest(manifest)))
    report = audit_run(forged)
    assert report.ok, report.to_dict()
    assert len(report.warnings) == 1 and "schema 2" in report.warnings[0]
