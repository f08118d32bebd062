"""The ML demo end to end: trains, trades only unseen bars, audits OK."""

from __future__ import annotations

import pandas as pd

from engine.demo import run_demo


def test_run_demo(tmp_path):
    result = run_demo(tmp_path)
    assert result["audit_ok"]
    assert pd.Timestamp(result["train_end"]) < pd.Timestamp(result["test_start"])
    # one decision per unseen bar, none before the unseen window
    bh_bars = int(result["buy_and_hold_summary"].split("(")[1].split()[0])
    assert result["audit_checked"]["decisions"] == bh_bars
    assert result["model"] == "demo-xgb:1"
