"""Bar closes as text, in bulk: ``str(bar.close)`` for a batch of bars without a Decimal per bar,
and the ``Marks`` records the recorder writes from them.

NautilusTrader writes a price as ``f"{Decimal(raw) / 10**FIXED_PRECISION:.{precision}f}"``. When
``raw`` is a whole multiple of ``10**(FIXED_PRECISION - precision)`` (every price NautilusTrader
builds is) that is the integer ``raw // 10**(FIXED_PRECISION - precision)`` with a decimal point
``precision`` digits from the right; anything else takes NautilusTrader's own ``str``.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import msgspec
import numpy as np
from nautilus_trader.model.data import Bar
from nautilus_trader.model.objects import Price

from engine.eventlog.encoding import encode_plain

_ONE = Price(1, 0).raw  # 10**FIXED_PRECISION in this build (9 or 16 decimals)
_EXACT_DIGITS = 10**27  # Decimal's default context holds 28 digits: bigger quotients may round


def price_text(raw: int, precision: int) -> str | None:
    """``str(Price.from_raw(raw, precision))`` when it can be written from the integer alone."""
    quotient, rest = divmod(raw, _ONE // 10**precision)
    if rest or not -_EXACT_DIGITS < quotient < _EXACT_DIGITS:
        return None
    digits = str(-quotient if quotient < 0 else quotient)
    if precision:
        digits = digits.rjust(precision + 1, "0")
        digits = f"{digits[:-precision]}.{digits[-precision:]}"
    return "-" + digits if quotient < 0 else digits


def price_strings(bars: Sequence[Bar]) -> list[str]:
    """``[str(bar.close) for bar in bars]`` without a Decimal per bar (``price_text``): what
    ``closes_json`` falls back on for the closes it does not write itself."""
    out = []
    for bar in bars:
        close = bar.close
        text = price_text(close.raw, close.precision)
        out.append(str(close) if text is None else text)
    return out


_PLACES = 17  # decimal places of a tick count below 2**52, with room for one "0" before the point
_POWERS = np.array([10**k for k in range(_PLACES - 1, -1, -1)], dtype=np.int64)
_MAX_TICKS = 2**52  # a float64 holds every tick count below this exactly (and raw / unit rounds to it)
_QUOTE, _POINT, _COMMA, _ZERO = ord('"'), ord("."), ord(","), ord("0")
_CLOSE, _PRECISION, _RAW, _TS_INIT = (attrgetter(name) for name in ("close", "precision", "raw", "ts_init"))
_encode_ints = msgspec.json.encode  # a list of ints: the same text as the json module's


def closes_json(bars: Sequence[Bar]) -> bytes | None:
    """``encode_plain(price_strings(bars))``, the closes as a JSON list of strings, written by numpy
    instead of a Python string per bar; ``None`` (take ``price_strings``) unless every close has the
    first one's precision and is a non-negative whole number of its ticks below 2**52.

    The tick counts come from ``raw / unit`` in float64 (exact below 2**52 ticks) and are checked
    against the integer ``raw``; their digits are then laid out in a byte matrix, one row per close
    (``"``, digits, ``.``, decimals, ``"``, ``,``), as many digit columns as the largest close
    needs, with the leading zeros blanked and squeezed out.
    """
    if not bars:
        return b"[]"
    closes = list(map(_CLOSE, bars))
    precisions = set(map(_PRECISION, closes))
    if len(precisions) != 1:
        return None
    precision = precisions.pop()
    if precision >= _PLACES:
        return None
    raws = list(map(_RAW, closes))
    unit = _ONE // 10**precision
    ticks = np.rint(np.array(raws, dtype=np.float64) / unit)
    if not (ticks.min() >= 0 and ticks.max() < _MAX_TICKS):
        return None
    counts = ticks.astype(np.int64)
    if list(map(unit.__mul__, counts.tolist())) != raws:  # not whole ticks, or rounded
        return None
    # only as many digit columns as the largest close needs (at least precision + 1: "0.05")
    places = max(len(str(int(counts.max()))), precision + 1)
    digits = (counts[:, None] // _POWERS[_PLACES - places :] % 10).astype(np.uint8)
    # the first digit kept: the first non-zero one, but at least precision + 1 digits (e.g. "0.05")
    significant = digits != 0
    first = np.where(significant.any(axis=1), significant.argmax(axis=1), places)
    first = np.minimum(first, places - precision - 1)
    digits += _ZERO
    digits[np.arange(places) < first[:, None]] = 0  # blanked: squeezed out below
    whole = places - precision
    row = np.zeros((len(counts), places + (4 if precision else 3)), dtype=np.uint8)
    row[:, 0] = _QUOTE
    row[:, 1 : 1 + whole] = digits[:, :whole]
    if precision:
        row[:, 1 + whole] = _POINT
        row[:, 2 + whole : 2 + places] = digits[:, whole:]
    row[:, -2], row[:, -1] = _QUOTE, _COMMA
    flat = row.ravel()
    return b"[" + flat[flat != 0].tobytes()[:-1] + b"]"


def marks_payload(bar_type: str, bars: Sequence[Bar]) -> bytes:
    """A ``Marks`` record's canonical bytes: ``encode_plain({"bar_type": bar_type, "ts": [ts_init,
    ...], "close": [str(close), ...]})`` over ``bars``, with the closes from ``closes_json``."""
    closes = closes_json(bars)
    if closes is None:
        closes = encode_plain(price_strings(bars))
    ts = _encode_ints(list(map(_TS_INIT, bars)))
    return b'{"bar_type":%b,"close":%b,"ts":%b}' % (encode_plain(bar_type), closes, ts)
