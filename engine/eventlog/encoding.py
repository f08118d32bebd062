"""Canonical encoding of event payloads: the exact bytes that are stored and hashed.

JSON with sorted keys, no insignificant whitespace, UTF-8. ``Decimal`` values are written as
strings so money never passes through a float; other numbers must be ``int`` or finite ``float``.
The encoding is a pure function of the value, so the same events always give the same bytes.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from engine.errors import LineageError


class EncodingError(LineageError):
    """A payload holds a value the canonical encoding cannot represent."""


def _normalise(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EncodingError(f"payload field {path or '<root>'}: expected a finite number, got {value}")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EncodingError(f"payload field {path or '<root>'}: expected a finite Decimal, got {value}")
        return str(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"payload field {path or '<root>'}: keys must be strings, got {key!r}")
            out[key] = _normalise(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise EncodingError(
        f"payload field {path or '<root>'}: {type(value).__name__} is not encodable "
        "(expected str, int, finite float, bool, None, Decimal, list or dict)"
    )


class _Unusual(Exception):
    """Raised by ``_plain`` for anything but exact, valid plain types: take the careful path."""


def _plain(value: Any) -> Any:
    """``_normalise`` for exact built-in types, without tracking field paths (the hot path)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            out[key] = _plain(item)
        return out
    if kind is float:
        if value - value != 0.0:  # nan and +-inf
            raise _Unusual
        return value
    if kind is Decimal:
        if not value.is_finite():
            raise _Unusual
        return str(value)
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    raise _Unusual


class Encoded(bytes):
    """A payload's canonical bytes computed ahead of ``EventLog.append``, which stores them as
    given instead of encoding the payload again. Only ``encode_plain`` should make them."""


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def encode_plain(value: Any) -> Encoded:
    """``canonical_bytes(value)`` for a value already in plain form, without the normalising walk:
    one pass of the C JSON encoder. The caller guarantees every dict key is a ``str`` (the JSON
    encoder would quietly stringify other keys, which ``canonical_bytes`` refuses), as
    ``engine.recording.canonical_value`` does. Other values that are not ``str``, ``int``,
    ``bool``, ``None``, finite ``float``, lists or dicts fall back to ``canonical_bytes`` (which
    normalises Decimals or raises ``EncodingError`` naming the field)."""
    try:
        return Encoded(_dumps(value).encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError):
        return Encoded(canonical_bytes(value))


def canonical_bytes(value: Any) -> bytes:
    """Return the canonical UTF-8 JSON bytes of ``value``."""
    try:
        plain = _plain(value)
    except (_Unusual, RecursionError):
        plain = _normalise(value, "")  # subclasses, or an error that must name its field
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodingError(
            f"payload field {_unencodable_path(value, '') or '<root>'}: {_NOT_UTF8}"
        ) from None


_NOT_UTF8 = "expected text encodable as UTF-8 (found a lone surrogate)"


def _unencodable_path(value: Any, path: str) -> str | None:
    """Path of the first string (value or key) that UTF-8 cannot encode; slow, error path only."""
    if isinstance(value, str):
        return None if _utf8_ok(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if not _utf8_ok(key):
                return f"{path}.{key!r}" if path else repr(key)
            found = _unencodable_path(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _unencodable_path(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode(data: bytes) -> Any:
    """Decode stored canonical bytes back into Python values (Decimals stay strings)."""
    return json.loads(data)
