"""What a strategy decided at each bar, tapped from the message bus.

A *decision* at bar time t is everything the strategy said or did while handling that bar:
its ``ModelDecision`` events (action and probabilities) where it publishes them, and the orders
it initialised at t (side, quantity, type, prices). Fills are consequences, not decisions.
``DecisionTap`` sees the same bus events the run recorder logs, keyed by their ``ts_init``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.enums import order_side_to_str, order_type_to_str
from nautilus_trader.model.events import OrderInitialized

from engine.events import ModelDecision

# one item of a decision: ("model", action, probabilities) or ("order", side, qty, type, price, trigger)
DecisionItem = tuple[str, ...]
Decision = tuple[DecisionItem, ...]
Decisions = dict[int, Decision]  # bar time (ns) -> what was decided there


def model_item(event: Any) -> DecisionItem:
    """A ``ModelDecision`` as a comparable item (action and the exact probability text)."""
    return ("model", str(event.action), str(event.probabilities))


def order_item(event: OrderInitialized) -> DecisionItem:
    """An ``OrderInitialized`` as a comparable item: side, quantity, type and prices if any."""
    options = event.options or {}
    return (
        "order",
        order_side_to_str(event.side),
        str(event.quantity),
        order_type_to_str(event.order_type),
        str(options.get("price", "")),
        str(options.get("trigger_price", "")),
    )


def describe(decision: Decision | None) -> str:
    """Readable text of a decision (``none`` when nothing was decided)."""
    if not decision:
        return "none"
    parts = []
    for item in decision:
        if item[0] == "model":
            parts.append(f"model {item[1]} p={item[2]}")
        else:
            price = f" @ {item[4]}" if item[4] else ""
            trigger = f" trigger {item[5]}" if item[5] else ""
            parts.append(f"{item[3].lower()} {item[1].lower()} {item[2]}{price}{trigger}")
    return "; ".join(parts)


class DecisionTap(Actor):
    """Collects ``ModelDecision`` and ``OrderInitialized`` events into ``decisions`` by ``ts_init``.

    Subscribes to ``"*"`` in ``register_base`` (see DESIGN.md: a wildcard subscribed later misses
    topics already seen). Events published on several topics are kept once (by identity of id).
    """

    def __init__(self) -> None:
        super().__init__(ActorConfig(component_id="LineageDecisionTap"))
        self.items: dict[int, list[DecisionItem]] = {}
        self._seen: set[Any] = set()

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("*", self.handle_message)

    def on_start(self) -> None:
        """Nothing to start: the tap listens from ``register_base`` on."""

    def on_stop(self) -> None:
        """Nothing to stop."""

    def handle_message(self, msg: Any) -> None:
        """Bus handler: keep decisions and order initialisations, ignore everything else."""
        if isinstance(msg, ModelDecision):
            self.items.setdefault(msg.ts_event, []).append(model_item(msg))
        elif isinstance(msg, OrderInitialized):
            if msg.id in self._seen:
                return
            self._seen.add(msg.id)
            self.items.setdefault(msg.ts_init, []).append(order_item(msg))

    @property
    def decisions(self) -> Decisions:
        """The decisions seen so far, in time order."""
        return {ts: tuple(self.items[ts]) for ts in sorted(self.items)}


def decisions_from_log(records: Iterable[Any]) -> Decisions:
    """The same decisions read back from a recorded run's log (``engine.eventlog.read_log`` records).

    A recorded run also logs the exits a strategy places when it stops, stamped at the last bar:
    compare decisions from a log only before its last bar.
    """
    items: dict[int, list[DecisionItem]] = {}
    for record in records:
        data = record.data
        if record.kind == "ModelDecision":
            items.setdefault(int(data["ts_event"]), []).append(
                ("model", str(data["action"]), str(data["probabilities"]))
            )
        elif record.kind == "OrderInitialized":
            options = data.get("options") or {}
            items.setdefault(int(data["ts_init"]), []).append(
                (
                    "order",
                    str(data["order_side"]),
                    str(data["quantity"]),
                    str(data["order_type"]),
                    str(options.get("price", "")),
                    str(options.get("trigger_price", "")),
                )
            )
    return {ts: tuple(items[ts]) for ts in sorted(items)}
