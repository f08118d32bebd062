"""Keeping the position cycles that a NETTING flip closes.

When one fill flips a NETTING position (long 1, sell 3 -> short 2), NautilusTrader 1.221 splits
the fill, closes the old cycle with the first part and opens a new ``Position`` object with the
same id for the rest (``ExecutionEngine._flip_position``). The new object replaces the closed one
in the cache without a snapshot, so after the run the cache no longer knows the closed cycle;
only its ``PositionClosed`` event told of it. ``FlipKeeper`` listens to position and fill events
and keeps a figures row for every cycle closed that way, from NautilusTrader's own event.
"""

from __future__ import annotations

from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.enums import order_side_to_str
from nautilus_trader.model.events import OrderFilled, PositionClosed, PositionOpened

from engine.backtest.attached import Attached


class FlipKeeper(Attached, Actor):
    """Rows (``engine.backtest.figures.position_row`` fields) of cycles closed by a flip."""

    def __init__(self) -> None:
        super().__init__(ActorConfig(component_id="LineageFlipKeeper"))
        self.rows: list[dict[str, Any]] = []
        self._fills: dict[str, int] = {}  # fills of the current cycle, per position id

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("events.fills.*", self._on_fill)
        msgbus.subscribe("events.position.*", self._on_position)

    def _on_fill(self, fill: Any) -> None:
        if isinstance(fill, OrderFilled) and fill.position_id is not None:
            pid = fill.position_id.value
            self._fills[pid] = self._fills.get(pid, 0) + 1

    def _on_position(self, event: Any) -> None:
        pid = event.position_id.value
        if isinstance(event, PositionOpened):
            self._fills[pid] = 1  # the opening fill (for a flip, the same fill closed the old cycle)
        elif isinstance(event, PositionClosed):
            current = self.cache.position(event.position_id)
            if current is not None and current.is_open:  # replaced by the flip's new position
                self.rows.append(closed_row(event, self._fills.get(pid, 0)))



def closed_row(event: PositionClosed, fills: int) -> dict[str, Any]:
    """A figures row from a ``PositionClosed`` event (commissions are not in the event: None)."""
    pnl = event.realized_pnl
    return {
        "position_id": event.position_id.value,
        "opening_order_id": event.opening_order_id.value,
        "closing_order_id": event.closing_order_id.value,
        "entry": order_side_to_str(event.entry),
        "side": "FLAT",
        "quantity": str(event.quantity),
        "peak_qty": str(event.peak_qty),
        "ts_opened": event.ts_opened,
        "ts_closed": event.ts_closed,
        "realized_pnl": str(pnl).rsplit(" ", 1)[0] if pnl is not None else "0",
        "realized_return": event.realized_return,
        "currency": event.currency.code,
        "commissions": None,
        "fills": fills,
    }
