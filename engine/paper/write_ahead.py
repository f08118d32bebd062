"""Write-ahead for order commands: nothing reaches the venue before the log records preceding it
are on disk, without blocking the node's event loop on the disk.

The run's log syncs on a writer thread (``EventLog(durability="background")``). ``DurableGate``
holds each execution command until every record appended before it (the strategy's
``OrderInitialized`` included) is durable, then hands it on; commands leave in the order they came
(FIFO), so a cancel never overtakes its submit. While a command waits the loop keeps handling the
feed; the writer's sync listener releases the queue through ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from nautilus_trader.adapters.sandbox.execution import SandboxExecutionClient
from nautilus_trader.adapters.sandbox.factory import SandboxLiveExecClientFactory

from engine.eventlog import EventLog


class DurableGate:
    """Releases ``(handler, command)`` pairs, in order, once the log is durable up to each command."""

    def __init__(self, log: EventLog, loop: asyncio.AbstractEventLoop) -> None:
        self._log = log
        self._loop = loop
        self._waiting: deque[tuple[int, Callable[[Any], Any], Any]] = deque()
        self.passed = 0  # commands handed on at once (log already durable)
        self.held = 0  # commands that waited for a sync
        log.add_durable_listener(self._on_sync)

    def send(self, handler: Callable[[Any], Any], command: Any) -> None:
        """Hand ``command`` to ``handler`` once every record appended so far is durable."""
        needed = self._log.count
        if not self._waiting and self._log.durable_count >= needed:
            self.passed += 1
            handler(command)
            return
        self.held += 1
        self._waiting.append((needed, handler, command))
        self._log.flush(sync=False)  # make sure the writer has it

    def release(self) -> None:
        """Hand on every waiting command whose records are durable (runs on the loop)."""
        durable = self._log.durable_count
        while self._waiting and self._waiting[0][0] <= durable:
            _, handler, command = self._waiting.popleft()
            handler(command)

    @property
    def waiting(self) -> int:
        """Commands still held."""
        return len(self._waiting)

    def _on_sync(self, _durable: int) -> None:  # writer thread
        if self._waiting and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self.release)


class WriteAheadSandboxExecutionClient(SandboxExecutionClient):
    """The Sandbox execution client with every order command passed through a ``DurableGate``."""

    gate: DurableGate | None = None

    def _through_gate(self, name: str, command: Any) -> None:
        handler = getattr(super(), name)
        if self.gate is None:
            handler(command)
        else:
            self.gate.send(handler, command)

    def submit_order(self, command: Any) -> None:
        self._through_gate("submit_order", command)

    def submit_order_list(self, command: Any) -> None:
        self._through_gate("submit_order_list", command)

    def modify_order(self, command: Any) -> None:
        self._through_gate("modify_order", command)

    def cancel_order(self, command: Any) -> None:
        self._through_gate("cancel_order", command)

    def cancel_all_orders(self, command: Any) -> None:
        self._through_gate("cancel_all_orders", command)


class WriteAheadSandboxFactory(SandboxLiveExecClientFactory):
    """Builds ``WriteAheadSandboxExecutionClient``s; the session sets ``gate`` on the built client."""

    @staticmethod
    def create(loop, name, config, portfolio, msgbus, cache, clock):  # type: ignore[override]
        return WriteAheadSandboxExecutionClient(
            loop=loop, clock=clock, portfolio=portfolio, msgbus=msgbus, cache=cache, config=config
        )


__all__ = ["DurableGate", "WriteAheadSandboxExecutionClient", "WriteAheadSandboxFactory"]
