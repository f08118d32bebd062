"""The recorder's hot path: an event's canonical bytes without the generic recursive walk.

``encode_event`` returns exactly the bytes of ``encode_plain(canonical_event(event, ids))`` and
maps UUIDs in the same order, or ``None`` when the event holds something it does not handle (the
caller then takes the generic route). How it stays identical:

* Per event dict *layout* (its keys and the exact types of their values) a plan is computed once:
  which values need converting (finite floats become raw JSON numbers written by ``float.__repr__``
  as the ``json`` module writes them, non-finite floats their ``str``, an ``InstrumentId`` its
  value) and which nested lists/dicts must be checked to hold only ``str``/``int``/``bool``/``None``
  under ``str`` keys. Any other type means no plan: the generic route.
* The dict is then encoded by msgspec with sorted keys, compact separators and UTF-8 output, the
  same text as ``json`` with ``sort_keys=True, ensure_ascii=False`` for these types (a property
  test compares them).
* UUIDs are found in the encoded bytes. In compact JSON a string *value* starts with a ``"``
  right after ``:``, ``,`` or ``[``, and a ``"`` inside a string is always escaped (preceded by
  ``\\``), so ``"`` + a lowercase UUID + ``"`` preceded by one of those three and not followed by
  ``:`` (which would make it a key) is exactly a string value equal to a UUID: what the generic
  walk maps. The bytes are translated to their "shape" and searched for that token's shape,
  several times faster than a regex. One such value is mapped in place; with more than one, the
  order of first appearance in the dict's insertion order matters, so the generic route is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec
from nautilus_trader.model.identifiers import InstrumentId

_encode = msgspec.json.Encoder(order="sorted").encode
_Raw = msgspec.Raw
_UUID_STR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The shape of JSON text: hex digits become "x", the bytes a value may follow (":,[") "v", quotes
# and dashes stay, every other byte "."; a UUID string value, with the byte before it, then reads
# _UUID_TOKEN (found by a plain substring search, no regex).
_SHAPE = bytes(
    120 if c in b"0123456789abcdef" else 118 if c in b":,[" else c if c in b'"-' else 46 for c in range(256)
)
_UUID_TOKEN = b'v"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"'
_TOKEN_SIZE = len(_UUID_TOKEN)
_PLAIN = (str, int, bool, type(None))
_SCALARS = (int, bool, float)  # values the generic walk converts without mapping anything
_NO_PLAN = object()

Step = tuple[str, Callable[[Any], Any]]
Plan = tuple[Step, ...]


def _float(value: float) -> Any:
    """A float as the canonical walk leaves it and ``json`` writes it."""
    if value - value == 0.0:  # finite
        return _Raw(repr(value))  # float.__repr__: the exact type is float
    return str(value)


def _instrument_id(value: InstrumentId) -> str:
    return value.value


class _Unplain(Exception):
    """A nested value the fast path does not handle."""


def _check_nested(value: Any) -> Any:
    """``value`` itself if it holds only plain leaves under ``str`` keys; raises ``_Unplain``."""
    cls = type(value)
    if cls is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise _Unplain
            if type(item) not in _PLAIN:
                _check_nested(item)
    elif cls is list or cls is tuple:
        for item in value:
            if type(item) not in _PLAIN:
                _check_nested(item)
    elif cls not in _PLAIN:
        raise _Unplain
    return value


_CONVERTERS: dict[type, Callable[[Any], Any] | None] = {
    str: None,
    int: None,
    bool: None,
    type(None): None,
    float: _float,
    InstrumentId: _instrument_id,
    dict: _check_nested,
    list: _check_nested,
    tuple: _check_nested,
}

_PLANS: dict[tuple[type, tuple[type, ...]], tuple[tuple[str, ...], Any]] = {}


def _plan(keys: tuple[str, ...], types: tuple[type, ...]) -> Any:
    steps: list[Step] = []
    for key, cls in zip(keys, types, strict=True):
        if type(key) is not str or cls not in _CONVERTERS:
            return _NO_PLAN
        convert = _CONVERTERS[cls]
        if convert is not None:
            steps.append((key, convert))
    return tuple(steps)


def encode_event(cls: type, data: dict[str, Any], ids: Callable[[str], str]) -> bytes | None:
    """Canonical bytes of the dict ``data`` of an event of class ``cls`` (``data`` is consumed:
    it is changed in place), or ``None`` when the generic walk must do it (``ids`` is then left
    untouched)."""
    kind = data.pop("type", None)
    if kind is not None and (
        (len(kind) == 36 and _UUID_STR.match(kind)) if type(kind) is str else type(kind) not in _SCALARS
    ):
        return None  # the generic walk would map a UUID in it before dropping it
    keys = tuple(data)
    types = tuple(map(type, data.values()))
    cached = _PLANS.get((cls, types))
    if cached is None:
        cached = _PLANS[(cls, types)] = (keys, _plan(keys, types))
    plan = cached[1] if cached[0] == keys else _plan(keys, types)
    if plan is _NO_PLAN:
        return None
    try:
        for key, convert in plan:
            data[key] = convert(data[key])
        out = _encode(data)
    except (_Unplain, TypeError, ValueError, OverflowError, UnicodeError):
        return None
    shape = out.translate(_SHAPE)
    found = -1
    at = shape.find(_UUID_TOKEN)
    while at != -1:
        end = at + _TOKEN_SIZE
        if out[end] != 58:  # a value (a key is followed by ":", byte 58; a token never ends the text)
            if found != -1:
                return None
            found = at
        at = shape.find(_UUID_TOKEN, end)
    if found == -1:
        return out
    start, end = found + 2, found + _TOKEN_SIZE - 1  # the UUID between its quotes
    return b"".join((out[:start], ids(out[start:end].decode()).encode(), out[end:]))
