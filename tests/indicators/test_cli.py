"""``lineage features list`` and ``lineage lookahead``, in process and as a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engine.cli import main
from indicators import FeatureSet
from indicators.library.registry import Kind, register_kind, unregister_kind
from tests.indicators.conftest import load_feather
from tests.realdata import REPO

ETH = load_feather("ETH_BTC-5m.feather", "5min")


@pytest.fixture
def bars_file(tmp_path):
    path = tmp_path / "eth.parquet"
    ETH.iloc[:1400].reset_index().to_parquet(path)
    return path


def test_features_list_default(capsys):
    assert main(["features", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == FeatureSet.default().names


def test_features_list_from_json_file_in_a_subprocess(tmp_path):
    fs = FeatureSet.from_names(["rsi_14", "cdl_doji", "mtflogret_60_1"])
    path = tmp_path / "set.json"
    path.write_text(fs.to_json())
    out = subprocess.run(
        [sys.executable, "-m", "engine.cli", "features", "list", "--set", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == fs.names


def test_bad_feature_set_file_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{"features": [{"kind": "rsi", "params": {"period": 1}}]}')
    assert main(["features", "list", "--set", str(path)]) == 2
    assert "must be >= 2" in capsys.readouterr().err


def test_lookahead_passes_the_library_in_a_subprocess(bars_file):
    out = subprocess.run(
        [sys.executable, "-m", "engine.cli", "lookahead", "--bars", str(bars_file), "--samples", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "no look-ahead bias found" in out.stdout


def test_lookahead_names_a_biased_feature_and_exits_1(bars_file, tmp_path, capsys):
    def peek(b):
        out = np.full(len(b), np.nan)
        out[:-2] = b.close[2:]
        return out / b.close

    register_kind(Kind("peektwo", "test", (), peek, lambda: 0, mode="pointwise", doc="leaky"))
    try:
        path = tmp_path / "set.json"
        path.write_text(FeatureSet.from_names(["ema_10", "peektwo"]).to_json())
        code = main(["lookahead", "--bars", str(bars_file), "--features", str(path), "--samples", "4"])
    finally:
        unregister_kind("peektwo")
    out = capsys.readouterr().out
    assert code == 1
    assert "BIASED peektwo" in out and "ema_10" not in out.split("BIASED", 1)[1]


def test_lookahead_reads_csv_and_reports_bad_files(tmp_path, capsys):
    csv = tmp_path / "eth.csv"
    ETH.iloc[:300].reset_index().to_csv(csv, index=False)
    path = tmp_path / "set.json"
    path.write_text(FeatureSet.from_names(["rsi_14", "logret_1"]).to_json())
    assert main(["lookahead", "--bars", str(csv), "--features", str(path), "--samples", "3"]) == 0
    ETH.iloc[:300].reset_index().drop(columns="volume").to_csv(csv, index=False)
    assert main(["lookahead", "--bars", str(csv), "--features", str(path)]) == 2
    assert "missing column(s) ['volume']" in capsys.readouterr().err
    assert main(["lookahead", "--bars", str(tmp_path / "nope.parquet")]) == 2
