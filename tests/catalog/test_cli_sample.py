"""``lineage catalog import/list`` and the bundled sample catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine.catalog import bars_frame, dataset_info, read_datasets, sample_catalog
from engine.catalog.sample import SAMPLE_SOURCES
from engine.cli import main
from tests.catalog.conftest import SOURCES, catalog_files

REPO = Path(__file__).resolve().parents[2]
ETH = SOURCES / "crypto/ETH_BTC-5m.feather"


def test_cli_import_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "cat"
    orcl = SOURCES / "equities/orcl-1995-2014.csv"
    assert main(["catalog", "import", str(ETH), str(orcl), "--catalog", str(root)]) == 0
    out = capsys.readouterr().out
    assert "5760 rows ETHBTC.SIM-5-MINUTE-LAST-EXTERNAL" in out and "ORCL.SIM-1-DAY-LAST-EXTERNAL" in out
    assert main(["catalog", "list", "--catalog", str(root)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["instrument_id", "kind", "bar", "rows", "start", "end", "digest", "gaps",
                                  "largest_gap"]  # fmt: skip
    eth_line = next(line for line in listing if line.startswith("ETHBTC.SIM"))
    assert "5-MINUTE-LAST" in eth_line and "5760" in eth_line
    assert dataset_info(root, "ETHBTC.SIM")["digest"][:16] in eth_line
    # explicit instrument and bar spec
    assert main(["catalog", "import", str(ETH), "--catalog", str(root), "--instrument", "ETHBTC.BINANCE",
                 "--bar", "5-MINUTE"]) == 0  # fmt: skip
    assert dataset_info(root, "ETHBTC.BINANCE", "bars", "5-MINUTE")["rows"] == 5760
    # a second import of the same data is refused with exit code 2 and a named error
    before = catalog_files(root)
    assert main(["catalog", "import", str(ETH), "--catalog", str(root)]) == 2
    err = capsys.readouterr().err
    assert "ETH_BTC-5m.feather, row 1" in err and "overlaps" in err
    assert catalog_files(root) == before


def test_cli_by_subprocess(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    src = SOURCES / "crypto/BTCUSDT-trades-2021-01-08.parquet"
    cli = [sys.executable, "-m", "engine.cli", "catalog"]
    run = subprocess.run(
        [*cli, "import", str(src), "--catalog", str(root), "--verbose"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "2001 rows trades" in run.stdout
    assert "write BTCUSDT-trades" in run.stderr  # progress shown with --verbose
    listed = subprocess.run(
        [*cli, "list", "--catalog", str(root)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert listed.returncode == 0 and "BTCUSDT.SIM" in listed.stdout and "trades" in listed.stdout


def test_sample_catalog_is_built_once(tmp_path: Path) -> None:
    (tmp_path / "sources").symlink_to(SOURCES)
    path = sample_catalog(tmp_path)
    assert path == tmp_path / "sample"
    stamp = (path / "_lineage" / "datasets.json").stat().st_mtime_ns
    files = catalog_files(path)
    assert sample_catalog(tmp_path) == path  # second call: untouched
    assert (path / "_lineage" / "datasets.json").stat().st_mtime_ns == stamp
    assert catalog_files(path) == files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sample-build-")]
    datasets = read_datasets(path)
    assert len(datasets) == len(SAMPLE_SOURCES)
    kinds = {(e["instrument_id"], e["kind"], e["bar"]) for e in datasets.values()}
    assert {("ETHBTC.SIM", "bars", "5-MINUTE-LAST"), ("BTCPERP.SIM", "bars", "1-MINUTE-LAST"),
            ("XRPETH.SIM", "trades", None), ("BTCUSDT.SIM", "trades", None), ("BTCUSDT.SIM", "quotes", None),
            ("ORCL.SIM", "bars", "1-DAY-LAST")} <= kinds  # fmt: skip
    frame = bars_frame(path, "ETHBTC.SIM", "5-MINUTE")
    assert frame.index[0] == pd.Timestamp("2018-01-10 05:00", tz="UTC")  # first open 04:55 + 5 min
