"""One writer per log: a second writer, here or in another process, is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import LogLockedError
from engine.eventlog import EventLog, read_log, verify_log

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from engine.eventlog import EventLog
log = EventLog.open(sys.argv[1])
log.append("Held", {})
log.flush()
print("ready", flush=True)
time.sleep(120)
"""
CONTENDER = """
import sys
from engine.errors import LogLockedError
from engine.eventlog import EventLog
try:
    EventLog.open(sys.argv[1]).close()
except LogLockedError as exc:
    print("locked:", exc)
    sys.exit(3)
"""


def run_python(code: str, *args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, **kw
    )


def test_second_writer_in_same_process_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    log = EventLog.create(directory)
    with pytest.raises(LogLockedError, match=str(directory)):
        EventLog.open(directory)
    log.append("A", {})
    log.close()
    with EventLog.open(directory) as again:
        assert again.count == 1
    assert next(iter(read_log(directory))).kind == "A"  # readers never need the lock


def test_second_writer_in_another_process_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    with EventLog.create(directory) as log:
        contender = run_python(CONTENDER, str(directory))
        out, _ = contender.communicate(timeout=60)
        assert contender.returncode == 3 and "locked" in out
        log.append("Mine", {})
    contender = run_python(CONTENDER, str(directory))
    contender.communicate(timeout=60)
    assert contender.returncode == 0  # free once closed


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    EventLog.create(directory).close()
    holder = run_python(HOLDER, str(directory))
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LogLockedError):
            EventLog.open(directory)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    with EventLog.open(directory) as log:
        assert log.count == 1
        log.append("After", {})
    assert verify_log(directory).ok
