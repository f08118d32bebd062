"""Rebuild a paper session's state from its event log, so a restarted process continues it.

``session_state(records)`` folds the log into a ``SessionState``: the last recorded account
balances, the open position cycles (with the exact ``OrderFilled`` payloads that built them),
orders still open, the agents' ``Scar`` events and how many position cycles closed.
``restore_positions`` rebuilds NautilusTrader ``Position`` objects from those fills (``Position``
applies them exactly as the execution engine did) and puts them in the node's cache before it starts.

Limits (the Sandbox keeps no state of its own): open orders cannot be re-placed on the new
venue, so they are listed in ``SessionResumed`` as abandoned; the margin the old venue had locked
for an open position is not re-locked; a fill whose ``AccountState`` was not yet written when the
process died is in the positions but not in the balances (the log shows both records, or neither,
in every case where the process lived a few microseconds longer).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nautilus_trader.model import events as nt_events
from nautilus_trader.model.enums import OmsType
from nautilus_trader.model.events import OrderFilled, OrderInitialized
from nautilus_trader.model.identifiers import ClientOrderId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.orders.unpacker import OrderUnpacker
from nautilus_trader.model.position import Position

from engine.errors import LineageError
from engine.eventlog import Record

_CANONICAL_UUID = re.compile(r"uuid-(\d{6,})")
_TERMINAL = {"OrderCanceled", "OrderRejected", "OrderExpired", "OrderDenied"}
SESSION_RESUMED = "SessionResumed"


class ResumeError(LineageError):
    """The run directory cannot be continued (no manifest, another strategy, ...)."""


@dataclass
class SessionState:
    """What a restarted session needs to continue where the log ends."""

    manifest: dict[str, Any] | None = None
    records: int = 0
    sessions: int = 0
    ended_cleanly: bool = False
    balances: dict[str, str] = field(default_factory=dict)
    open_fills: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    open_orders: list[str] = field(default_factory=list)
    closed_cycles: int = 0
    scars: list[dict[str, Any]] = field(default_factory=list)
    max_canonical_id: int = 0
    order_events: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    order_counts: dict[str, int] = field(default_factory=dict)
    last_ts: int = 0  # the last fill's time

    def positions(self) -> dict[str, str]:
        """Signed net quantity per open position id (Decimal strings)."""
        out = {}
        for pid, fills in sorted(self.open_fills.items()):
            out[pid] = str(_signed_qty(fills))
        return out

    def starting_balances(self) -> tuple[str, ...]:
        """The balances to fund the new Sandbox venue with (``"123.4 USDT"``)."""
        return tuple(f"{amount} {ccy}" for ccy, amount in sorted(self.balances.items()))


def _signed_qty(fills: list[dict[str, Any]]) -> Decimal:
    total = Decimal(0)
    for f in fills:
        qty = Decimal(f["last_qty"])
        total += qty if f["order_side"] == "BUY" else -qty
    return total


def _max_id(value: Any, best: int) -> int:
    if isinstance(value, str):
        m = _CANONICAL_UUID.fullmatch(value)
        return max(best, int(m.group(1))) if m else best
    if isinstance(value, dict):
        for v in value.values():
            best = _max_id(v, best)
    elif isinstance(value, list):
        for v in value:
            best = _max_id(v, best)
    return best


def session_state(records: Iterable[Record]) -> SessionState:
    """Fold a paper run's log into the state a restarted session starts from."""
    st = SessionState()
    order_qty: dict[str, Decimal] = {}
    filled: dict[str, Decimal] = {}
    terminal: set[str] = set()
    for rec in records:
        st.records += 1
        data = rec.data
        st.max_canonical_id = _max_id(data, st.max_canonical_id)
        kind = rec.kind
        if kind == "RunStarted":
            st.manifest, st.sessions = data, 1
        elif kind == SESSION_RESUMED:
            st.sessions += 1
            st.ended_cleanly = False
            terminal.update(data.get("abandoned_orders", []))
        elif kind == "RunEnded":
            st.ended_cleanly = "error" not in data
        elif kind == "AccountState":
            st.balances = {b["currency"]: b["total"] for b in data["balances"]}
        elif kind == "OrderInitialized":
            order_qty[data["client_order_id"]] = Decimal(data["quantity"])
            sid = data["strategy_id"]
            st.order_counts[sid] = st.order_counts.get(sid, 0) + 1
        elif kind in _TERMINAL:
            terminal.add(data["client_order_id"])
        elif kind == "OrderFilled":
            coid = data["client_order_id"]
            st.last_ts = max(st.last_ts, int(data["ts_event"]))  # feed time (the venue's clock)
            filled[coid] = filled.get(coid, Decimal(0)) + Decimal(data["last_qty"])
            fills = st.open_fills.setdefault(data["position_id"], [])
            fills.append(data)
            if _signed_qty(fills) == 0:
                del st.open_fills[data["position_id"]]
                st.closed_cycles += 1
        if kind.startswith("Order") and "client_order_id" in data:
            st.order_events.setdefault(data["client_order_id"], []).append((kind, data))
        if kind == "Scar":
            st.scars.append(data)
    st.open_orders = sorted(
        c for c, q in order_qty.items() if c not in terminal and filled.get(c, Decimal(0)) < q
    )
    return st


def check_same_session(manifest: dict[str, Any] | None, wanted: dict[str, Any], where: str) -> None:
    """Refuse to continue a run with another strategy, instrument, bar or parameters."""
    if manifest is None:
        raise ResumeError(f"{where}: the log has no RunStarted record; expected a paper run's log")
    if manifest.get("mode") != "paper":
        raise ResumeError(f"{where}: RunStarted.mode is {manifest.get('mode')!r}; expected 'paper'")
    for key in ("strategy", "instrument_id", "bar", "params"):
        if manifest.get(key) != wanted.get(key):
            raise ResumeError(
                f"{where}: RunStarted.{key} is {manifest.get(key)!r} but this session has "
                f"{wanted.get(key)!r}; a run continues only with the same {key}"
            )


def _event_id(value: str) -> str:
    """A valid UUID4 string for a canonical ``uuid-NNNNNN`` id (deterministic)."""
    m = _CANONICAL_UUID.fullmatch(value)
    if m is None:
        return value
    return str(uuid.UUID(int=int(m.group(1)), version=4))


def event_from_record(kind: str, data: dict[str, Any]) -> Any:
    """The NautilusTrader order event of a recorded payload (canonical ids back to UUID4s)."""
    payload = {k: _event_id(v) if isinstance(v, str) else v for k, v in data.items()}
    payload["type"] = kind
    return getattr(nt_events, kind).from_dict(payload)


def fill_from_record(data: dict[str, Any]) -> OrderFilled:
    """The ``OrderFilled`` of a recorded payload."""
    return event_from_record("OrderFilled", data)


def rebuild_order(events: list[tuple[str, dict[str, Any]]]) -> Any:
    """The ``Order`` after its recorded events (the first must be ``OrderInitialized``)."""
    kind, data = events[0]
    init = event_from_record(kind, data)
    if not isinstance(init, OrderInitialized):
        raise ResumeError(f"order {data.get('client_order_id')}: first recorded event is {kind}")
    order = OrderUnpacker.from_init(init)
    for kind, data in events[1:]:
        order.apply(event_from_record(kind, data))
    return order


def rebuild_position(instrument: Instrument, fills: list[dict[str, Any]]) -> Position:
    """NautilusTrader's ``Position`` after the recorded fills of one open cycle."""
    events = [fill_from_record(f) for f in fills]
    position = Position(instrument, events[0])
    for fill in events[1:]:
        position.apply(fill)
    return position


def restore_positions(cache: Any, instrument: Instrument, state: SessionState) -> list[Position]:
    """Put the open positions of ``state`` into a not-yet-started node's ``cache`` (NETTING)."""
    if cache.instrument(instrument.id) is None:
        cache.add_instrument(instrument)
    restored = []
    for fills in state.open_fills.values():
        position = rebuild_position(instrument, fills)
        for coid in dict.fromkeys(f["client_order_id"] for f in fills):  # the cache indexes them
            if not cache.order_exists(ClientOrderId(coid)):
                cache.add_order(rebuild_order(state.order_events[coid]), position.id)
        cache.add_position(position, OmsType.NETTING)
        restored.append(position)
    return restored


__all__ = [
    "SESSION_RESUMED",
    "ResumeError",
    "SessionState",
    "check_same_session",
    "fill_from_record",
    "rebuild_position",
    "restore_positions",
    "session_state",
]
