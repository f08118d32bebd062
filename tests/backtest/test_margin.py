"""Derivatives backtest on a MARGIN account (the catalog records the account type per dataset)."""

from __future__ import annotations

import json

from engine.audit import audit_run
from engine.backtest import run_backtest
from engine.backtest.rundir import MANIFEST
from engine.catalog import dataset_info, sample_catalog


def test_perpetual_runs_on_a_margin_account_and_audits(tmp_path):
    catalog = sample_catalog()
    assert dataset_info(catalog, "BTCPERP.SIM", "bars", "1-MINUTE")["account_type"] == "MARGIN"
    run = run_backtest(
        catalog=catalog,
        instrument_id="BTCPERP.SIM",
        bar="1-MINUTE",
        strategy="ema-cross",
        balances=("100000 USD",),
        end="2022-01-01T12:00:00",
        out=tmp_path,
    )
    manifest = json.loads((run.run_dir / MANIFEST).read_text())
    assert manifest["venue"]["account_type"] == "MARGIN"
    assert run.metrics["strategy"]["trade_count"] > 0
    report = audit_run(run.run_dir)
    assert report.ok, report.to_dict()
    assert report.warnings == []  # the margin account is replayed exactly, state by state
