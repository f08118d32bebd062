"""The event tap: an actor that writes every order, position, account and Lineage event to the log.

It subscribes to ``"*"`` on the message bus in ``register_base`` (a wildcard subscribed in
``on_start`` misses topics already seen, such as the first ``AccountState``). Events published
twice (``OrderFilled`` goes out on the order and the fills topics) are recorded once, by event id.
Bar closes are not logged one record each: they are batched into ``Marks`` records so the equity
curve can be rebuilt from the log alone (the bars are kept until their batch is written, then
their timestamps and closes are read in one go).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar
from nautilus_trader.model.events import AccountState, OrderEvent, PositionEvent
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import AccountBalance, MarginBalance

from engine.eventlog import EventLog
from engine.eventlog.encoding import encode_plain
from engine.events import LineageEvent
from engine.recording.canonical import IdMapper, canonical_data, event_dict
from engine.recording.fastpath import encode_event
from engine.recording.prices import marks_payload

RECORDED_EVENT_TYPES: tuple[type, ...] = (OrderEvent, PositionEvent, AccountState, LineageEvent)
MARKS_KIND = "Marks"
_SKIP = object()


def _lineage_dict_of(cls: type) -> Callable[[Any], dict[str, Any]]:
    """``event_dict`` for a Lineage event class, deep-copying the fields that may hold mutable
    containers (a field typed other than a plain scalar)."""
    scalars = (str, int, float, bool, InstrumentId)
    fields = dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else ()
    if all(field.type in scalars for field in fields):
        return event_dict
    return lambda event: copy.deepcopy(event_dict(event))


def _account_amounts(event: AccountState) -> tuple[tuple, tuple]:
    """The ``Money`` amounts of an ``AccountState``'s balances and margins (with each margin's
    instrument), in order: what NautilusTrader may reassign after publishing the event."""
    balances: list[Any] = []
    for balance in event.balances:
        balances += (balance.total, balance.locked, balance.free)
    margins: list[Any] = []
    for margin in event.margins:
        margins += (margin.initial, margin.maintenance, margin.instrument_id)
    return tuple(balances), tuple(margins)


def _account_snapshot(event: AccountState) -> tuple:
    """What ``_account_state_dict`` needs later to give the event's dict as it is now: its
    amounts (immutable ``Money``: a tuple of them is one the garbage collector soon stops
    tracking, cheaper to hold than the event's dict) and a copy of a non-empty ``info``."""
    info = event.info
    return _account_amounts(event), copy.deepcopy(info) if info else None


def _account_state_dict(taken: tuple[AccountState, tuple]) -> dict[str, Any]:
    """``AccountState.to_dict`` of ``(event, _account_snapshot(event))`` as it was when the
    snapshot was taken (balances and margins rebuilt from it if they were reassigned since)."""
    event, (amounts, info) = taken
    data = AccountState.to_dict(event)
    if info is not None:
        data["info"] = info
    if _account_amounts(event) != amounts:
        balances, margins = amounts  # three values per balance and per margin
        data["balances"] = [
            AccountBalance(*balances[i : i + 3]).to_dict() for i in range(0, len(balances), 3)
        ]
        data["margins"] = [MarginBalance(*margins[i : i + 3]).to_dict() for i in range(0, len(margins), 3)]
    return data


class Recorder(Actor):
    """Writes the bus's order/position/account events and Lineage events to ``log``.

    ``marks_every`` bar closes per bar type are collected into one ``Marks`` record
    (``{"bar_type", "ts": [ns...], "close": ["price"...]}``); call ``finish()`` after the run to
    write the last partial batch.

    With ``batch`` > 1 (backtests) events and bars are queued and encoded, appended and marked
    ``batch`` at a time, in arrival order, by ``drain()`` (``finish()`` drains): the same records
    and bytes, with the work done in a tight loop instead of cold between the engine's own work.
    What may change after publication is taken on arrival: an ``AccountState``'s amounts
    (NautilusTrader later reassigns its balances) and a Lineage event's fields (mutable
    dataclasses). The queue holds NautilusTrader's events themselves, which the engine keeps
    alive anyway, rather than containers of our own that the garbage collector would promote
    and scan until drained. Keep ``batch=1`` when records must reach the log as they happen
    (paper trading).

    ``replay=(bar_type, bars)``: the bars the engine replays, in order, all of that bar type
    (``str(BarType)``). A bar that comes as the next of them is marked without reading its type
    (which costs more than the rest of marking it); any other bar is marked by its own type.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        marks_every: int = 1024,
        ids: IdMapper | None = None,
        batch: int = 1,
        replay: tuple[str, Sequence[Bar]] | None = None,
    ) -> None:
        super().__init__(ActorConfig(component_id="LineageRecorder"))
        if batch < 1:
            raise ValueError(f"Recorder: batch must be >= 1 message, got {batch}")
        self.event_log = log
        self.ids = ids if ids is not None else IdMapper()
        self.marks_every = marks_every
        self.batch = batch
        self.recorded = 0
        self._seen: set[Any] = set()
        self._kinds: dict[type, Any] = {}  # class -> (kind, dict_of, dedup) or _SKIP
        self._marks: dict[str, list[Bar]] = {}
        self._pending: list[Any] = []
        self._replay_type, self._replay = replay if replay is not None else ("", ())
        self._replay_next = 0

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        handler = self._enqueue if self.batch > 1 else self.handle_message
        msgbus.subscribe("*", handler)

    def _class_entry(self, cls: type) -> Any:
        """``(kind, dict_of, dedup, snapshot)`` for a recorded event class, ``_SKIP`` otherwise.

        ``snapshot(event)``, when not ``None``, is taken the moment the event arrives, because
        the object changes afterwards (an ``AccountState``'s balances; a Lineage event is a plain
        mutable dataclass); ``dict_of`` then reads the snapshot (with the event for an
        ``AccountState``) instead of the event. Other NautilusTrader events hold immutable
        values and are read when recorded.
        """
        if not issubclass(cls, RECORDED_EVENT_TYPES):
            entry: Any = _SKIP
        elif issubclass(cls, LineageEvent):
            entry = (cls.__name__, dict, False, _lineage_dict_of(cls))
        elif issubclass(cls, AccountState):  # NautilusTrader's own events: de-duplicated by id
            entry = (cls.__name__, _account_state_dict, True, _account_snapshot)
        else:
            entry = (cls.__name__, cls.to_dict, True, None)
        self._kinds[cls] = entry
        return entry

    def handle_message(self, msg: Any) -> None:
        """Bus handler: record ``msg`` if it is an event we keep, or mark it if it is a bar."""
        if type(msg) is Bar:
            self._drain((msg,))
            return
        cls = type(msg)
        entry = self._entry(msg)
        if entry is not None:
            kind, dict_of, _, snapshot = entry
            if snapshot is not None:  # read as the batched recorder reads it
                msg = (msg, snapshot(msg)) if entry[2] else snapshot(msg)
            self.event_log.append_encoded(kind, self._bytes(cls, msg, dict_of))
            self.recorded += 1

    def _entry(self, msg: Any) -> tuple | None:
        """The class entry of an event we keep; ``None`` for anything else and for an event id
        already taken."""
        cls = type(msg)
        entry = self._kinds.get(cls)
        if entry is None:
            entry = self._class_entry(cls)
        if entry is _SKIP:
            return None
        if entry[2]:
            seen = self._seen
            size = len(seen)
            seen.add(msg.id)
            if len(seen) == size:
                return None
        return entry

    def _bytes(self, cls: type, value: Any, dict_of: Callable[[Any], dict[str, Any]]) -> bytes:
        """Canonical bytes of the event of class ``cls`` whose dict is ``dict_of(value)`` (UUIDs
        mapped now: call in arrival order)."""
        ids = self.ids
        # encode_event consumes the dict it is given, and may give up half-way: the generic
        # route then starts again from a fresh dict
        out = encode_event(cls, dict_of(value), ids)
        if out is None:
            out = encode_plain(canonical_data(dict_of(value), ids))
        return out

    def _enqueue(self, msg: Any) -> None:
        """Bus handler with ``batch`` > 1: queue a bar, or an event we keep (a NautilusTrader
        event itself, followed by its snapshot for an ``AccountState``; a Lineage event as
        ``(class, snapshot)``)."""
        pending = self._pending
        if type(msg) is Bar:
            pending.append(msg)
        else:
            entry = self._entry(msg)
            if entry is None:
                return
            snapshot = entry[3]
            if snapshot is None:
                pending.append(msg)
            elif entry[2]:  # a NautilusTrader event (an AccountState)
                pending += (msg, snapshot(msg))
            else:
                pending.append((type(msg), snapshot(msg)))
        if len(pending) >= self.batch:
            self.drain()

    def drain(self) -> None:
        """Append the queued records and mark the queued bars, in arrival order."""
        pending, self._pending = self._pending, []
        self._drain(pending)

    def _drain(self, items: Iterable[Any]) -> None:
        append, marks, every = self.event_log.append_encoded, self._marks, self.marks_every
        replay, replay_type, at = self._replay, self._replay_type, self._replay_next
        replayed = len(replay)
        kinds, to_bytes = self._kinds, self._bytes
        recorded = 0
        items = iter(items)
        try:
            for item in items:
                cls = type(item)
                if cls is Bar:
                    if at < replayed and replay[at] is item:
                        key = replay_type
                        at += 1
                    else:
                        key = str(item.bar_type)
                    batch = marks.get(key)
                    if batch is None:
                        batch = marks[key] = []
                    batch.append(item)
                    if len(batch) >= every:
                        self._write_marks(key)
                    continue
                if cls is tuple:  # a Lineage event's snapshot
                    cls, item = item
                    kind, dict_of, _, _ = kinds[cls]
                else:
                    kind, dict_of, _, snapshot = kinds[cls]
                    if snapshot is not None:  # an AccountState: its snapshot comes next
                        item = (item, next(items))
                append(kind, to_bytes(cls, item, dict_of))
                recorded += 1
        finally:
            self.recorded += recorded
            self._replay_next = at

    def _write_marks(self, key: str) -> None:
        """One ``Marks`` record for the bars collected under ``key`` (their ts_init and close)."""
        self.event_log.append_encoded(MARKS_KIND, marks_payload(key, self._marks.pop(key)))

    def finish(self) -> None:
        """Record the queued messages, then write the remaining partial ``Marks`` batches (in
        bar-type order)."""
        self.drain()
        for key in sorted(self._marks):
            self._write_marks(key)
