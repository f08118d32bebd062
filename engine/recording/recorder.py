"""The event tap: an actor that writes every order, position, account and Lineage event to the log.

It subscribes to ``"*"`` on the message bus in ``register_base`` (a wildcard subscribed in
``on_start`` misses topics already seen, such as the first ``AccountState``). Events published
twice (``OrderFilled`` goes out on the order and the fills topics) are recorded once, by event id.
Bar closes are not logged one record each: they are batched into ``Marks`` records so the equity
curve can be rebuilt from the log alone (the bars are kept until their batch is written, then
their timestamps and closes are read in one go).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar
from nautilus_trader.model.events import AccountState, OrderEvent, PositionEvent

from engine.eventlog import EventLog
from engine.eventlog.encoding import encode_plain
from engine.events import LineageEvent
from engine.recording.canonical import IdMapper, canonical_event, event_dict
from engine.recording.fastpath import encode_event
from engine.recording.prices import price_strings

RECORDED_EVENT_TYPES: tuple[type, ...] = (OrderEvent, PositionEvent, AccountState, LineageEvent)
MARKS_KIND = "Marks"
_SKIP = object()


class Recorder(Actor):
    """Writes the bus's order/position/account events and Lineage events to ``log``.

    ``marks_every`` bar closes per bar type are collected into one ``Marks`` record
    (``{"bar_type", "ts": [ns...], "close": ["price"...]}``); call ``finish()`` after the run to
    write the last partial batch.

    With ``batch`` > 1 (backtests) each event is still encoded the moment it arrives (published
    objects are not immutable: NautilusTrader later reassigns the ``AccountBalance`` objects an
    ``AccountState`` holds), but its bytes and the bars are queued and appended/marked ``batch``
    at a time, in arrival order, by ``drain()`` (``finish()`` drains): the same records and bytes,
    with the framing, hashing and marking in a tight loop instead of cold between the engine's own
    work. Keep ``batch=1`` when records must reach the log as they happen (paper trading).
    """

    def __init__(
        self, log: EventLog, *, marks_every: int = 1024, ids: IdMapper | None = None, batch: int = 1
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

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("*", self.handle_message if self.batch == 1 else self._enqueue)

    def _class_entry(self, cls: type) -> Any:
        """``(kind, dict_of, dedup)`` for a recorded event class, ``_SKIP`` for anything else."""
        if not issubclass(cls, RECORDED_EVENT_TYPES):
            entry: Any = _SKIP
        elif issubclass(cls, LineageEvent):
            entry = (cls.__name__, event_dict, False)
        else:  # NautilusTrader's own events: the id de-duplicates double publications
            entry = (cls.__name__, cls.to_dict, True)
        self._kinds[cls] = entry
        return entry

    def handle_message(self, msg: Any) -> None:
        """Bus handler: record ``msg`` if it is an event we keep, or mark it if it is a bar."""
        if type(msg) is Bar:
            self._drain((msg,))
            return
        record = self._encode(msg)
        if record is not None:
            self.event_log.append_encoded(*record)
            self.recorded += 1

    def _encode(self, msg: Any) -> tuple[str, bytes] | None:
        """``(kind, canonical bytes)`` of an event we keep (ids mapped now, in arrival order);
        ``None`` for anything else and for an event id already recorded."""
        cls = type(msg)
        entry = self._kinds.get(cls)
        if entry is None:
            entry = self._class_entry(cls)
        if entry is _SKIP:
            return None
        kind, dict_of, dedup = entry
        if dedup:
            seen = self._seen
            size = len(seen)
            seen.add(msg.id)
            if len(seen) == size:
                return None
        out = encode_event(cls, dict_of(msg), self.ids)
        if out is None:
            out = encode_plain(canonical_event(msg, self.ids))
        return kind, out

    def _enqueue(self, msg: Any) -> None:
        """Bus handler with ``batch`` > 1: queue a bar, or an event's encoded record."""
        if type(msg) is not Bar:
            msg = self._encode(msg)
            if msg is None:
                return
        pending = self._pending
        pending.append(msg)
        if len(pending) >= self.batch:
            self.drain()

    def drain(self) -> None:
        """Append the queued records and mark the queued bars, in arrival order."""
        pending, self._pending = self._pending, []
        self._drain(pending)

    def _drain(self, items: Iterable[Any]) -> None:
        append, marks, every = self.event_log.append_encoded, self._marks, self.marks_every
        recorded = 0
        try:
            for item in items:
                if type(item) is Bar:
                    key = str(item.bar_type)
                    batch = marks.get(key)
                    if batch is None:
                        batch = marks[key] = []
                    batch.append(item)
                    if len(batch) >= every:
                        self._write_marks(key)
                else:
                    append(item[0], item[1])
                    recorded += 1
        finally:
            self.recorded += recorded

    def _write_marks(self, key: str) -> None:
        """One ``Marks`` record for the bars collected under ``key`` (their ts_init and close)."""
        bars = self._marks.pop(key)
        payload = {"bar_type": key, "ts": [bar.ts_init for bar in bars], "close": price_strings(bars)}
        self.event_log.append_encoded(MARKS_KIND, encode_plain(payload))

    def finish(self) -> None:
        """Record the queued messages, then write the remaining partial ``Marks`` batches (in
        bar-type order)."""
        self.drain()
        for key in sorted(self._marks):
            self._write_marks(key)
