"""``lineage lookahead`` catalog form: exit codes, biased decisions named, JSON, the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.catalog import sample_catalog
from engine.cli import main
from tests.lookahead.conftest import LEAKY

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ["--instrument", "ETHBTC.SIM", "--bar", "5-MINUTE"]


def _catalog() -> list[str]:
    return ["--catalog", str(sample_catalog()), *SOURCE]


def test_leaky_strategy_exits_1_naming_each_biased_decision(capsys):
    argv = ["lookahead", *_catalog(), "--start", "2018-01-16", "--end", "2018-01-16T03:00"]
    code = main([*argv, "--strategy", LEAKY, "--param", "peek_minute=15"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    biased = [line for line in out if line.startswith("BIASED decision at ")]
    assert biased and all(":15:00+00:00 (data cut at " in line for line in biased)
    assert all("cut run: none" in line for line in biased)
    assert out[-1] == f"verdict: {len(biased)} biased"


def test_json_output_and_usage_errors(capsys):
    argv = ["lookahead", *_catalog(), "--start", "2018-01-16", "--end", "2018-01-16T04:00"]
    assert main([*argv, "--strategy", LEAKY, "--samples", "5", "--json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert doc["strategy"]["cuts"] == 5 and doc["ok"] == (doc["strategy"]["biased"] == [])
    assert "features" not in doc  # features are checked only when asked for, next to a strategy
    assert main(["lookahead", "--bars", "x.parquet", "--strategy", "ema-cross"]) == 2
    assert "catalog form" in capsys.readouterr().err
    assert main(["lookahead", "--catalog", str(sample_catalog())]) == 2
    assert main([*argv, "--strategy", "ema-cross", "--samples", "0"]) == 2
    assert main([*argv, "--strategy", "no-such-strategy"]) == 2


def test_default_library_and_ema_cross_pass_through_the_real_entry_point():
    argv = [sys.executable, "-m", "engine.cli", "lookahead", *_catalog()]
    argv += ["--end", "2018-01-14", "--features", "default", "--samples", "3"]
    argv += ["--strategy", "ema-cross", "--param", "fast=5", "--param", "slow=20", "--json"]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] and doc["features"]["checked"] == 143 and doc["features"]["cuts"] == 3
    assert doc["strategy"]["cuts"] == 3 and doc["strategy"]["decisions"] > 3
