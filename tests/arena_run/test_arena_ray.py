"""Agents distributed with Ray give the same run as local execution; Ray leaves nothing behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine.arena import ArenaConfig, run_arena
from tests.arena_run.conftest import SMALL

ray = pytest.importorskip("ray")


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and int(proc.name) != os.getpid():
            found.append(int(proc.name))
    return found


def test_serial_and_ray_give_the_same_chain_head(catalog, tmp_path, monkeypatch):
    temp = f"/tmp/lr{os.getpid()}"
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("LINEAGE_RAY_TEMP_DIR", temp)
    config = ArenaConfig(catalog=catalog, out=tmp_path, seed=5, **{**SMALL, "agents": 5})
    serial = run_arena(config)
    distributed = run_arena(config, executor="ray")  # Ray started once for the run, shut down after
    assert distributed.head == serial.head
    assert distributed.metrics["evolution_head"] == serial.metrics["evolution_head"]
    assert distributed.metrics["arena"] == serial.metrics["arena"]
    assert not ray.is_initialized()
    deadline = time.monotonic() + 20
    while _processes_mentioning(temp) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_mentioning(temp) == []
