"""Crashes: a writer process SIGKILLed mid-run leaves a log that opens, verifies and continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.eventlog import RECOVERED_KIND, EventLog, read_log, verify_log

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from engine.eventlog import EventLog
log = EventLog.create(sys.argv[1], durability=sys.argv[2], group_size=16, segment_records=40)
i = 0
while True:
    log.append("Tick", {"i": i, "pad": "x" * (i % 50)})
    # acknowledged: append returned; how many are on disk. One write per line: with
    # PYTHONUNBUFFERED set, print() would write its pieces separately and a kill could split a line.
    sys.stdout.write(f"{i} {log.durable_count}\\n")
    sys.stdout.flush()
    i += 1
"""


def spawn(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize(
    ("durability", "kill_after"), [("record", 120), ("group", 2000), ("background", 2000)]
)
def test_killed_writer_leaves_a_log_that_opens_verifies_and_continues(
    tmp_path: Path, durability: str, kill_after: int
) -> None:
    directory = tmp_path / "log"
    child = spawn(["-c", WRITER, str(directory), durability])
    assert child.stdout is not None
    acked = durable = 0
    for line in child.stdout:
        i, synced = map(int, line.split())
        acked, durable = i + 1, max(durable, synced)
        if acked >= kill_after:
            break
    child.send_signal(signal.SIGKILL)
    # Keep reading through the same text wrapper: communicate() reads the raw pipe and would drop
    # whatever the wrapper already read ahead, handing us a line cut in half.
    rest = child.stdout.read()
    err = child.stderr.read() if child.stderr else ""
    assert child.wait(timeout=30) == -signal.SIGKILL, err
    for line in rest.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # the kill landed inside this write: not a complete acknowledgement
        i, synced = map(int, line.split())
        acked, durable = max(acked, i + 1), max(durable, synced)

    with EventLog.open(directory, segment_records=40) as log:
        survived = log.count
        log.append("Resumed", {"after": survived})
    records = list(read_log(directory))
    ticks = [r for r in records if r.kind == "Tick"]
    assert [r.data["i"] for r in ticks] == list(range(len(ticks)))  # a prefix, in order, nothing lost inside
    assert set(r.kind for r in records[len(ticks) :]) <= {RECOVERED_KIND, "Resumed"}
    assert records[-1].kind == "Resumed"
    if durability == "record":
        assert durable == acked
    assert len(ticks) >= durable  # every record reported durable survived the kill
    report = verify_log(directory)
    assert report.ok, report.error
    assert report.records == survived + 1
    assert report.sealed == (survived + 1) // 40  # sealing resumed where the killed writer left off
