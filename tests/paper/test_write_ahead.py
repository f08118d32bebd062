"""Write-ahead gate: order commands reach the venue only after the log records before them are on
disk, in the order they were sent, without the event loop waiting on the disk."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.eventlog import EventLog, read_log
from engine.paper.write_ahead import DurableGate

# a script: ("append", n) appends n records; ("send", _) sends a command through the gate
steps = st.lists(st.tuples(st.sampled_from(["append", "send"]), st.integers(1, 5)), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None)
@given(steps)
def test_commands_pass_in_order_and_only_once_their_records_are_durable(script):
    with tempfile.TemporaryDirectory() as tmp:
        log = EventLog.create(Path(tmp) / "log", durability="background", segment_records=7)
        loop = asyncio.new_event_loop()
        try:
            gate = DurableGate(log, loop)
            released: list[tuple[int, int, int]] = []  # (command, records needed, durable when handed on)
            sent: list[tuple[int, int]] = []

            def venue(command: tuple[int, int]) -> None:
                released.append((command[0], command[1], log.durable_count))

            async def drive() -> None:
                for action, n in script:
                    if action == "append":
                        for _ in range(n):
                            log.append("OrderInitialized", {"n": log.count})
                    else:
                        sent.append((len(sent), log.count))
                        gate.send(venue, sent[-1])
                    await asyncio.sleep(0)
                while gate.waiting:
                    await asyncio.sleep(0.001)

            loop.run_until_complete(asyncio.wait_for(drive(), 10))
        finally:
            log.close()
            loop.close()
        assert [r[0] for r in released] == [s[0] for s in sent]  # FIFO, nothing lost
        assert all(durable >= needed for _, needed, durable in released)  # write-ahead
        assert gate.passed + gate.held == len(sent)
        assert len(list(read_log(Path(tmp) / "log"))) == sum(n for a, n in script if a == "append")


def test_a_held_command_does_not_block_the_loop(tmp_path):
    log = EventLog.create(tmp_path / "log", durability="background")
    loop = asyncio.new_event_loop()
    try:
        gate = DurableGate(log, loop)
        order: list[str] = []

        async def drive() -> None:
            log.append("OrderInitialized", {})
            gate.send(lambda c: order.append(c), "submit")
            order.append("loop ran on")  # send() returned at once, before the sync
            while gate.waiting:
                await asyncio.sleep(0.001)

        loop.run_until_complete(asyncio.wait_for(drive(), 10))
    finally:
        log.close()
        loop.close()
    assert order == ["loop ran on", "submit"]
    assert gate.held == 1
