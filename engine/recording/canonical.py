"""Canonical form of recorded events: the same run always gives the same record payloads.

NautilusTrader events are converted with their own ``to_dict``; every random UUID (event ids,
correlation ids, ...) is replaced by a deterministic id numbered by first appearance
(``uuid-000001``, ...). Decimal and Money values stay strings, nanosecond timestamps stay ints.
"""

from __future__ import annotations

import dataclasses
import math
import re
from decimal import Decimal
from enum import Enum
from typing import Any

from nautilus_trader.model.identifiers import InstrumentId

from engine.eventlog.encoding import Encoded, encode_plain
from engine.recording.fastpath import encode_event

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class IdMapper:
    """Maps random UUID strings to ``uuid-NNNNNN`` in order of first appearance."""

    def __init__(self, start: int = 0) -> None:
        self._ids: dict[str, str] = {}
        self._start = start  # numbers already used (a continued log goes on from there)

    def __call__(self, value: str) -> str:
        ids = self._ids
        mapped = ids.get(value)
        if mapped is None:
            mapped = ids[value] = f"uuid-{self._start + len(ids) + 1:06d}"
        return mapped

    def __len__(self) -> int:
        return len(self._ids)


def canonical_value(value: Any, ids: IdMapper) -> Any:
    """Return ``value`` in canonical form (UUIDs mapped, Decimals and objects as strings)."""
    cls = type(value)
    if cls is str:
        return ids(value) if len(value) == 36 and value[8] == "-" and _UUID.match(value) else value
    if value is None or cls is int or cls is bool:
        return value
    if cls is dict:
        return _canonical_dict(value, ids)
    if isinstance(value, str):
        return canonical_value(str.__str__(value), ids)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if cls is InstrumentId:  # Lineage events carry one; its str is never a UUID
        return value.value
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): canonical_value(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v, ids) for v in value]
    return canonical_value(str(value), ids)


def _canonical_dict(value: dict, ids: IdMapper) -> dict[str, Any]:
    """``canonical_value`` of a dict, with the common leaf types handled inline (the hot path)."""
    out = {}
    for k, v in value.items():
        if type(k) is not str:
            k = str(k)
        cls = type(v)
        if cls is str:
            out[k] = ids(v) if len(v) == 36 and v[8] == "-" and _UUID.match(v) else v
        elif cls is int or v is None or cls is bool:
            out[k] = v
        else:
            out[k] = canonical_value(v, ids)
    return out


_DATACLASS_FIELDS: dict[type, tuple[str, ...] | None] = {}
_UNKNOWN = ()


def _dataclass_fields(cls: type) -> tuple[str, ...] | None:
    """Field names of a dataclass (None for other classes), looked up once per class."""
    try:
        return _DATACLASS_FIELDS[cls]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        _DATACLASS_FIELDS[cls] = names
        return names


def event_dict(event: Any) -> dict[str, Any]:
    """The event's own dict: ``to_dict`` for NautilusTrader events, dataclass fields otherwise."""
    cls = type(event)
    names = _DATACLASS_FIELDS.get(cls, _UNKNOWN)
    if names is _UNKNOWN:
        names = _dataclass_fields(cls)
    if names is not None:
        out = {name: getattr(event, name) for name in names}
        out["ts_event"], out["ts_init"] = event.ts_event, event.ts_init
        return out
    return cls.to_dict(event)


def canonical_event(event: Any, ids: IdMapper) -> dict[str, Any]:
    """Canonical payload of one event (its ``type`` key removed: the record kind says it)."""
    return canonical_data(event_dict(event), ids)


def canonical_data(data: dict[str, Any], ids: IdMapper) -> dict[str, Any]:
    """``canonical_event`` of an event whose ``event_dict`` is ``data`` (left unchanged)."""
    out = _canonical_dict(data, ids)
    out.pop("type", None)
    return out


def canonical_event_bytes(event: Any, ids: IdMapper) -> Encoded:
    """``canonical_bytes(canonical_event(event, ids))``, as ``Encoded`` for ``EventLog.append``."""
    return Encoded(event_bytes(event, ids))


def event_bytes(event: Any, ids: IdMapper) -> bytes:
    """``canonical_bytes(canonical_event(event, ids))``: by the fast path (``fastpath``) when it
    handles the event, else encoded in one pass (``encode_plain``: the canonical form has only
    ``str`` keys and plain values)."""
    out = encode_event(type(event), event_dict(event), ids)
    if out is None:
        out = encode_plain(canonical_event(event, ids))
    return out
