"""Per-decision latency of a paper session: feed message in -> order out.

The data client stamps every incoming message (``last_message_ns``, ``time.perf_counter_ns``);
the message is decoded and handed to the strategy synchronously, so an ``OrderInitialized``
published while it is handled belongs to that message. The latency is taken when the order
leaves for the venue (``OrderSubmitted``): data in -> order out. Measurement only: no engine
decision reads this clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nautilus_trader.model.events import OrderInitialized, OrderSubmitted


class LatencyProbe:
    """Collects ``(client_order_id, latency_ns)`` per submitted order; ``stamp()`` gives the
    perf-counter time of the message being handled."""

    def __init__(self, stamp: Callable[[], int]) -> None:
        self._stamp = stamp
        self._pending: dict[str, int] = {}
        self.samples: list[tuple[str, int]] = []

    def handle(self, event: Any) -> None:
        """Bus handler for ``events.order.*``."""
        if isinstance(event, OrderInitialized):
            self._pending.setdefault(str(event.client_order_id), self._stamp())
        elif isinstance(event, OrderSubmitted):
            t0 = self._pending.pop(str(event.client_order_id), None)
            if t0:
                self.samples.append((str(event.client_order_id), time.perf_counter_ns() - t0))

    def summary(self) -> dict[str, Any]:
        """Count, p50 and p99 (microseconds) of the samples."""
        values = sorted(ns for _, ns in self.samples)
        return {
            "count": len(values),
            "p50_us": percentile(values, 50) / 1000 if values else None,
            "p99_us": percentile(values, 99) / 1000 if values else None,
        }


def percentile(sorted_values: list[int] | list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (``q`` in 0..100)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return float(sorted_values[int(rank) - 1])
