"""``lineage log verify`` and ``lineage log checkpoint`` on real logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.eventlog.segments import segment_path
from tests.eventlog.conftest import frames, write_log

ROOT = Path(__file__).resolve().parents[2]


def test_verify_ok_and_checkpoint_then_truncation_is_named(
    log_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(log_dir, 9, segment_records=4)
    assert main(["log", "verify", str(log_dir)]) == 0
    assert capsys.readouterr().out.startswith("OK ")
    checkpoint = tmp_path / "cp" / "log.checkpoint.json"
    assert main(["log", "checkpoint", str(log_dir), "--out", str(checkpoint)]) == 0
    assert json.loads(checkpoint.read_text())["seq"] == 8
    capsys.readouterr()
    frame = frames(log_dir)[8]
    path = segment_path(log_dir, frame.segment)
    path.write_bytes(path.read_bytes()[: frame.start])  # a clean cut: only the checkpoint notices
    assert main(["log", "verify", str(log_dir)]) == 0
    assert "8 records" in capsys.readouterr().out
    assert main(["log", "verify", str(log_dir), "--checkpoint", str(checkpoint), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_bad"] == 8 and report["records"] == 8


def test_damage_exits_1_naming_the_first_bad_record(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(log_dir, 6)
    frame = frames(log_dir)[3]
    raw = bytearray(segment_path(log_dir, 0).read_bytes())
    raw[frame.start + 50] ^= 0x20
    segment_path(log_dir, 0).write_bytes(bytes(raw))
    assert main(["log", "verify", str(log_dir)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("DAMAGED ") and "first bad record: 3:" in out
    assert main(["log", "checkpoint", str(log_dir), "--out", str(log_dir.parent / "cp.json")]) == 2
    assert "record 3" in capsys.readouterr().err
    assert not (log_dir.parent / "cp.json").exists()


def test_torn_tail_and_bad_checkpoint_file(
    log_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(log_dir, 5)
    frame = frames(log_dir)[4]
    path = segment_path(log_dir, 0)
    path.write_bytes(path.read_bytes()[: frame.start + 10])
    assert main(["log", "verify", str(log_dir), "--expect-last", "OrderFilled"]) == 1
    assert "TORN TAIL" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "lineage-eventlog-checkpoint/1", "seq": "7", "head": "00"}))
    assert main(["log", "verify", str(log_dir), "--checkpoint", str(bad)]) == 2
    assert "field seq" in capsys.readouterr().err


def test_cli_runs_as_a_module(log_dir: Path) -> None:
    write_log(log_dir, 3)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "log", "verify", str(log_dir), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records"] == 3
    missing = subprocess.run(
        [sys.executable, "-m", "engine.cli", "log", "verify", str(log_dir.parent / "nothing")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "no event log here" in missing.stdout
