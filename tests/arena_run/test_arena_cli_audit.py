"""``lineage arena`` through the real entry point; ``lineage audit`` passes on an arena run and fails
on tampered logs or a lineage in metrics.json that the log does not support."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from tests.arena_run.conftest import BAR, INSTRUMENT

ROOT = Path(__file__).resolve().parents[2]


def _args(catalog: Path, out: Path, seed: int) -> list[str]:
    return [
        "arena",
        "--catalog", str(catalog),
        "--instrument", INSTRUMENT,
        "--bar", BAR,
        "--agents", "4",
        "--generations", "2",
        "--generation-bars", "64",
        "--seed", str(seed),
        "--start", "2018-01-10",
        "--end", "2018-01-12",
        "--eval-end", "2018-01-13",
        "--evaluate-top", "0",
        "--out", str(out),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def arena_dir(catalog, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("arena-cli")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", *_args(catalog, out, 7)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(proc.stdout.strip().splitlines()[-1])  # the run directory is the last line
    assert run_dir.is_dir() and run_dir.parent == out
    assert "agents born" in proc.stdout
    return run_dir


def test_in_process_cli_reproduces_the_subprocess_run(arena_dir, catalog, tmp_path, capsys):
    assert main(_args(catalog, tmp_path, 7)) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    head = lambda d: json.loads((d / "metrics.json").read_text())["chain_head"]  # noqa: E731
    assert head(run_dir) == head(arena_dir)


def test_audit_passes_on_an_arena_run(arena_dir, capsys):
    assert main(["audit", str(arena_dir)]) == 0
    out = capsys.readouterr().out
    assert "audit of arena" in out and "OK" in out
    assert main(["audit", "--json", str(arena_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["agents"] >= 4


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_audit_fails_on_a_tampered_log(arena_dir, tmp_path, capsys):
    run = _copy(arena_dir, tmp_path / "run")
    segment = sorted(p for p in (run / "events").iterdir() if p.is_file() and p.stat().st_size > 1000)[0]
    data = bytearray(segment.read_bytes())
    at = data.find(b'"AgentDied"')
    at = at if at > 0 else data.find(b'"generation"')
    data[at + 3] ^= 0x01
    segment.write_bytes(bytes(data))
    assert main(["audit", str(run)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_audit_fails_when_metrics_lineage_disagrees_with_the_log(arena_dir, tmp_path, capsys):
    run = _copy(arena_dir, tmp_path / "run")
    metrics = json.loads((run / "metrics.json").read_text())
    lineage = metrics["arena"]["lineage"]
    victim = next(a for a, n in lineage.items() if n["died_generation"] is not None)
    lineage[victim]["died_generation"] = None
    lineage[victim]["death_reason"] = None
    (run / "metrics.json").write_text(json.dumps(metrics))
    assert main(["audit", str(run)]) == 1
    out = capsys.readouterr().out
    assert f"agent {victim} died_generation" in out
