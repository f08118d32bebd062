"""Group commit on a writer thread: frames are written and ``fdatasync``ed in append order, in groups.

The appending thread hands over encoded frames (already hash-chained) and goes on; the writer thread
takes everything queued, writes it and syncs once (the disk wait releases the GIL), then reports the
new durable record count to its listeners. The on-disk log is therefore always a prefix of what was
appended (at worst with one torn final frame, which ``EventLog.open`` recovers). The queue is bounded:
an appender blocks while ``max_pending`` records wait for the disk (backpressure, never a drop).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from engine.errors import LineageError


class BackgroundWriter:
    """Writes queued ``(fd, end_seq, frames)`` items on its own thread; ``durable`` counts synced records."""

    def __init__(self, durable: int, max_pending: int = 65_536, name: str = "eventlog-writer") -> None:
        self.durable = durable
        self.max_pending = max_pending
        self.syncs = 0
        self._cond = threading.Condition()
        self._items: list[tuple[int, int, bytes]] = []
        self._pending = 0
        self._error: BaseException | None = None
        self._stop = False
        self._listeners: list[Callable[[int], None]] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(durable_count)`` on the writer thread after every sync."""
        self._listeners.append(listener)

    def put(self, fd: int, end_seq: int, frames: bytes, count: int) -> None:
        """Queue ``count`` records (``frames``) ending before ``end_seq``; blocks while the queue is full."""
        with self._cond:
            while self._pending >= self.max_pending and self._error is None:
                self._cond.wait()
            self._raise()
            self._items.append((fd, end_seq, frames))
            self._pending += count
            self._cond.notify_all()

    def wait(self, seq: int) -> None:
        """Block until the first ``seq`` records are durable."""
        with self._cond:
            while self.durable < seq and self._error is None:
                self._cond.wait()
            self._raise()

    def close(self) -> None:
        """Sync what is queued and stop the thread."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()
        with self._cond:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise LineageError(f"event log writer failed: {self._error!r}") from self._error

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._stop:
                    self._cond.wait()
                if not self._items:
                    return
                batch, self._items = self._items, []
            try:
                fds: list[int] = []
                for fd, _, frames in batch:
                    view, pos = memoryview(frames), 0
                    while pos < len(view):
                        pos += os.write(fd, view[pos:])
                    if fd not in fds:
                        fds.append(fd)
                for fd in fds:
                    os.fdatasync(fd)
            except BaseException as exc:  # a failed disk must not pass silently
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            end = batch[-1][1]
            with self._cond:
                self._pending -= end - self.durable
                self.durable = end
                self.syncs += 1
                self._cond.notify_all()
            for listener in self._listeners:
                listener(end)
