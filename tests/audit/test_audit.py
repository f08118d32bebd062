"""Audit on a real run: exact reconciliation, re-execution, and tampering caught."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.audit import audit_run
from engine.backtest.rundir import EVENTS, METRICS
from engine.cli import main
from engine.eventlog import EventLog, read_log
from engine.eventlog.framing import iter_frames

SEGMENT = "000000.seg"


@pytest.fixture()
def run_copy(ema_run, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(ema_run.run_dir, target)
    return target


def frames(run_dir):
    data = (run_dir / EVENTS / SEGMENT).read_bytes()
    return data, list(iter_frames(data))


def test_audit_rebuilds_the_engines_figures_exactly(ema_run):
    report = audit_run(ema_run.run_dir)
    assert report.ok, report.to_dict()
    assert report.warnings == []
    engine = ema_run.metrics["engine"]
    assert report.checked["final_balances"] == {
        k: str(Decimal(v)) for k, v in engine["final_balances"].items()
    }
    assert Decimal(report.checked["final_equity"]) == Decimal(engine["final_equity"])
    assert report.checked["equity_points"] == len(engine["equity_curve"]["ts"])
    assert report.checked["positions"] == len(engine["positions"]) > 10


def test_reexecution_gives_the_same_chain_head(ema_run):
    report = audit_run(ema_run.run_dir, reexecute=True)
    assert report.ok, report.to_dict()
    assert report.reexecuted_head == ema_run.head


def test_a_changed_figure_is_listed_with_both_values(run_copy):
    metrics = json.loads((run_copy / METRICS).read_text())
    real = metrics["engine"]["final_balances"]["BTC"]
    metrics["engine"]["final_balances"]["BTC"] = str(Decimal(real) + Decimal("0.00000001"))
    pos = metrics["engine"]["positions"][3]
    pos["realized_pnl"] = str(Decimal(pos["realized_pnl"]) - Decimal("0.00000001"))
    (run_copy / METRICS).write_text(json.dumps(metrics))
    report = audit_run(run_copy)
    assert not report.ok
    fields = {m.field: m for m in report.mismatches}
    hit = fields["final_balances(account states).BTC"]
    assert Decimal(hit.log) == Decimal(real) and Decimal(hit.engine) == Decimal(real) + Decimal("0.00000001")
    assert any(f.startswith("position ") and f.endswith(".realized_pnl") for f in fields)
    assert main(["audit", str(run_copy)]) == 1


def _rewrite(run_copy, data):
    (run_copy / EVENTS / SEGMENT).write_bytes(data)


def _expect_bad(run_copy, index, capsys):
    report = audit_run(run_copy)
    assert not report.ok
    assert report.first_bad_record == index
    assert main(["audit", str(run_copy), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["first_bad_record"] == index and out["ok"] is False


def test_flipped_byte_names_the_record(run_copy, capsys):
    data, fs = frames(run_copy)
    f = fs[40]
    raw = bytearray(data)
    raw[f.offset + (f.end - f.offset) // 2] ^= 0x01
    _rewrite(run_copy, bytes(raw))
    _expect_bad(run_copy, 40, capsys)


def test_deleted_record_is_caught(run_copy, capsys):
    data, fs = frames(run_copy)
    _rewrite(run_copy, data[: fs[30].offset] + data[fs[30].end :])
    _expect_bad(run_copy, 30, capsys)


def test_inserted_record_is_caught(run_copy, capsys):
    data, fs = frames(run_copy)
    _rewrite(run_copy, data[: fs[20].end] + data[fs[10].offset : fs[10].end] + data[fs[20].end :])
    _expect_bad(run_copy, 21, capsys)


def test_swapped_records_are_caught(run_copy, capsys):
    data, fs = frames(run_copy)
    a, b = fs[50], fs[51]
    _rewrite(run_copy, data[: a.offset] + data[b.offset : b.end] + data[a.offset : a.end] + data[b.end :])
    _expect_bad(run_copy, 50, capsys)


def test_truncated_tail_fails_audit_and_recovers_on_reopen(run_copy):
    data, fs = frames(run_copy)
    last = fs[-1]
    _rewrite(run_copy, data[: last.offset + (last.end - last.offset) // 2])
    report = audit_run(run_copy)
    assert not report.ok and report.torn_tail is not None
    assert main(["audit", str(run_copy)]) == 1
    EventLog.open(run_copy / EVENTS).close()
    records = list(read_log(run_copy / EVENTS, allow_torn_tail=False))
    assert records[-1].kind == "LogRecovered"
    assert records[-2].kind != "RunEnded"
    assert any("RunEnded" in p for p in audit_run(run_copy).problems)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(0.0, 0.97), bit=st.integers(0, 7))
def test_any_flipped_bit_before_the_tail_fails_audit(ema_run, tmp_path_factory, position, bit):
    run = tmp_path_factory.mktemp("flip") / "run"
    shutil.copytree(ema_run.run_dir, run)
    data = bytearray((run / EVENTS / SEGMENT).read_bytes())
    data[int(position * len(data))] ^= 1 << bit
    (run / EVENTS / SEGMENT).write_bytes(bytes(data))
    assert not audit_run(run).ok


def test_registry_baseline_with_fractional_sizes_reconciles_exactly(tmp_path):
    from engine.backtest import run_backtest
    from tests.conftest import ema_config

    config = ema_config(
        tmp_path,
        strategy="ema-cross",
        params={"fast": "8", "slow": "21"},
        balances=("1 BTC",),
        start="2018-01-20",
        end="2018-01-25",
    )
    result = run_backtest(config)
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["strategy"]["class"].endswith(":MovingAverageCross")
    report = audit_run(result.run_dir)
    assert report.ok, report.to_dict()
    assert report.checked["fills"] > 20
