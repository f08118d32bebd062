"""Warm-up history: bars before ``start`` feed the strategy but not the metrics."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from engine.audit import audit_run
from engine.backtest import run_backtest
from engine.backtest.rundir import MANIFEST
from engine.catalog import bars_frame, sample_catalog
from engine.errors import LineageError
from tests.conftest import ema_config

START, END, WARMUP = "2018-01-12T00:00:00+00:00", "2018-01-13T00:00:00+00:00", 50


def test_warmup_bars_are_history_only(tmp_path):
    plain = run_backtest(ema_config(tmp_path / "plain", start=START, end=END))
    warm = run_backtest(ema_config(tmp_path / "warm", start=START, end=END, warmup_bars=WARMUP))
    closes = bars_frame(sample_catalog(), "ETHBTC.SIM", "5-MINUTE", START, END)
    for result in (plain, warm):
        metrics = result.metrics["strategy"]
        assert metrics["bars"] == len(closes)
        assert pd.Timestamp(metrics["start"]) == closes.index[0]
        assert result.metrics["buy_and_hold"]["bars"] == len(closes)
    # The engine really saw the extra history: its equity curve and manifest are longer.
    assert len(warm.metrics["engine"]["equity_curve"]["ts"]) == len(closes) + WARMUP
    assert len(plain.metrics["engine"]["equity_curve"]["ts"]) == len(closes)
    manifest = json.loads((warm.run_dir / MANIFEST).read_text())
    assert manifest["data"]["warmup_bars"] == WARMUP
    assert warm.head != plain.head
    report = audit_run(warm.run_dir, reexecute=True)
    assert report.ok, report.to_dict()


def test_negative_warmup_is_refused(tmp_path):
    with pytest.raises(LineageError, match="warmup_bars"):
        run_backtest(ema_config(tmp_path, start=START, end=END, warmup_bars=-1))
