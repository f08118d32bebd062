"""Backtest progress: a bar count on stderr when asked for, silence otherwise, same chain head."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.backtest import run_backtest
from engine.cli import main
from tests.conftest import ema_config

ARGS = ["--instrument", "ETHBTC.SIM", "--bar", "5-MINUTE", "--strategy", "ema-cross", "--seed", "3"]


def test_progress_changes_nothing_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = ema_config(tmp_path / "quiet", start="2018-01-12", end="2018-01-14", warmup_bars=40)
    quiet = run_backtest(config)
    assert capsys.readouterr().err == ""
    shown = run_backtest(config, out=tmp_path / "shown", progress=True)
    err = capsys.readouterr().err
    bars = json.loads((quiet.run_dir / "manifest.json").read_text())["data"]["bars"]
    counts = re.findall(r"(\d+)/(\d+) \[", err)
    assert counts, err
    done, total = counts[-1]
    assert int(done) == int(total) == bars > 500  # every bar replayed was counted (warm-up included)
    assert shown.head == quiet.head and shown.metrics == quiet.metrics


def test_cli_shows_progress_only_with_verbose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.catalog import sample_catalog

    argv = ["backtest", "--catalog", str(sample_catalog()), *ARGS, "--end", "2018-01-12"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    quiet = capsys.readouterr()
    assert "bar/s" not in quiet.err and "backtest" not in quiet.err
    assert main(["--verbose", *argv, "--out", str(tmp_path / "b")]) == 0
    loud = capsys.readouterr()
    assert re.search(r"backtest: 100%.*?(\d+)/\1 ", loud.err), loud.err
    head = [line for line in quiet.out.splitlines() if line.startswith("chain head:")]
    assert head and head == [line for line in loud.out.splitlines() if line.startswith("chain head:")]
