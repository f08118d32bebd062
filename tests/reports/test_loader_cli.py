"""load_run_view on recorded run directories, and the report/runs commands end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.eventlog import read_log
from engine.reports.files import RunDirError
from engine.reports.loader import load_run_view
from tests.realdata import REPO
from tests.reports.runfixture import RunFixture, eth_btc_close, write_run


def test_view_matches_what_was_recorded(eth_run: RunFixture) -> None:
    view = load_run_view(eth_run.path)
    fills = [r for r in read_log(eth_run.path / "events") if r.kind == "OrderFilled"]
    assert [(t.side, str(t.price)) for t in view.trades] == [
        (f.data["order_side"], str(float(f.data["last_px"]))) for f in fills
    ]
    assert len(view.decisions) == eth_run.decisions and len(view.scars) == eth_run.scars
    assert len(view.equity) == len(view.price) == eth_run.bars
    assert view.equity.index.equals(view.price.index)
    assert view.benchmark_equity.iloc[0] == pytest.approx(view.equity.iloc[0])
    assert view.audit.state == "ok" and view.chain_head == eth_run.head
    assert view.metrics["trade_count"] * 2 in (len(view.trades), len(view.trades) - 1)
    assert view.kind == "backtest" and "SmaCross" in view.title


def test_tampered_log_is_reported_failed(tmp_path: Path, eth_run: RunFixture) -> None:
    run = tmp_path / "run"
    shutil.copytree(eth_run.path, run)
    segment = sorted((run / "events").glob("*.seg"))
    data = bytearray(segment[0].read_bytes())
    data[len(data) // 2] ^= 0x01
    segment[0].write_bytes(bytes(data))
    view = load_run_view(run)
    assert view.audit.state == "failed" and "record" in view.audit.message
    assert len(view.equity) == eth_run.bars  # the figures still show


def test_missing_parts_and_bad_files(tmp_path: Path, eth_run: RunFixture) -> None:
    run = tmp_path / "partial"
    run.mkdir()
    (run / "metrics.json").write_text(
        json.dumps({"strategy": {"total_return": 0.1}, "chain_head": "ab" * 32})
    )
    view = load_run_view(run)
    assert view.audit.state == "unknown" and view.equity.empty and view.metrics == {"total_return": 0.1}
    (run / "manifest.json").write_text('{\n  "strategy": ')
    with pytest.raises(RunDirError, match=r"manifest.json: not valid JSON at line 2"):
        load_run_view(run)
    with pytest.raises(RunDirError, match="not a run directory"):
        load_run_view(tmp_path / "nothing")
    wrong_head = tmp_path / "wrong-head"
    shutil.copytree(eth_run.path, wrong_head)
    metrics = json.loads((wrong_head / "metrics.json").read_text())
    metrics["chain_head"] = "0" * 64
    (wrong_head / "metrics.json").write_text(json.dumps(metrics))
    assert load_run_view(wrong_head).audit.state == "failed"


def test_report_command_writes_html_atomically(tmp_path: Path, eth_run: RunFixture, capsys) -> None:
    run = tmp_path / "r"
    shutil.copytree(eth_run.path, run)
    assert main(["report", str(run)]) == 0
    out = capsys.readouterr().out.strip()
    assert Path(out) == run / "report.html" and 'id="equity-chart"' in Path(out).read_text()
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_runs_list_and_compare(runs_root: Path, eth_run: RunFixture, orcl_run: RunFixture, capsys) -> None:
    assert main(["runs", str(runs_root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["run", "kind", "strategy", "instrument"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) >= {eth_run.path.name, orcl_run.path.name}
    assert eth_run.head[:12] in rows[eth_run.path.name] and rows[eth_run.path.name].rstrip().endswith("yes")
    assert len({len(line.rstrip()) <= len(lines[1]) for line in lines}) == 1  # aligned under the rule
    assert main(["runs", "compare", str(eth_run.path), str(orcl_run.path)]) == 0
    table = capsys.readouterr().out
    a = json.loads((eth_run.path / "metrics.json").read_text())["strategy"]["total_return"]
    b = json.loads((orcl_run.path / "metrics.json").read_text())["strategy"]["total_return"]
    assert f"{(b - a) * 100:+,.2f} pp" in next(
        line for line in table.splitlines() if line.startswith("Total return")
    )
    assert main(["runs", "compare", str(eth_run.path)]) == 2


def test_cli_subprocess_end_to_end(tmp_path: Path) -> None:
    write_run(tmp_path / "runs" / "small", eth_btc_close(600))
    env_cmd = [sys.executable, "-m", "engine.cli"]
    listed = subprocess.run(
        [*env_cmd, "runs", str(tmp_path / "runs")], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert "small" in listed.stdout and "yes" in listed.stdout
    made = subprocess.run(
        [*env_cmd, "report", str(tmp_path / "runs" / "small")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert Path(made.stdout.strip()).is_file()
