"""Steppers: exact O(1)-per-bar streaming of a kind's ``core`` over TA-Lib's own streaming handles.

A stepper opener ``open(bars, *params)`` returns ``(step, parts)``: ``parts`` is the tuple of the
core's outputs at the window's last row and ``step(row)`` (``row`` = ``(open, high, low, close,
volume, ts)`` of the next bar) advances the state and returns the parts at that row. ``talib.stream``
handles are bit-identical to the Function API over the same history start, so a stepper opened on
an anchored window ``[anchor, t]`` keeps giving exactly what ``core`` would over ``[anchor, t']``:
``StreamingFeatures`` opens one at each block start and steps it until the next (no re-run of the
whole window per bar). Tests compare every stepper with its core bit for bit.

The handles arrived with ta-lib-python 0.8; with an older TA-Lib (no ``talib.stream.Stream`` class)
the TA-Lib openers are ``None`` and streaming re-runs those cores over their windows, as before.
TA-Lib refuses to change its global settings (unstable periods, candle settings) while a handle is
alive; this project never changes them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np
import talib
from talib import abstract
from talib import stream as ta_stream

HANDLES = isinstance(getattr(ta_stream, "Stream", None), type)  # TA-Lib's streaming handles exist
FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume", "ts")
Row = tuple[float, float, float, float, float, int]
Step = Callable[[Row], tuple[Any, ...]]
Opener = Callable[..., tuple[Step, tuple[Any, ...]]]


class _NeverRaised(Exception):
    """Stands in for ``talib.InsufficientHistory`` where TA-Lib has no streaming handles."""


InsufficientHistory: type[Exception] = getattr(talib, "InsufficientHistory", _NeverRaised)


def ta(
    func: str,
    fields: tuple[str, ...],
    args: Callable[..., tuple[Any, ...]] | None = None,
    pick: int | None = None,
) -> Opener | None:
    """Opener for a core ``talib.FUNC(*(bars.<field>), *args(*params))`` (output ``pick`` only, if given)."""
    if not HANDLES:
        return None
    cls = getattr(ta_stream, func)
    get = itemgetter(*(FIELDS.index(f) for f in fields))
    multi = len(abstract.Function(func).output_names) > 1
    one = len(fields) == 1

    def open_(b: Any, *params: Any) -> tuple[Step, tuple[Any, ...]]:
        h = cls(*(getattr(b, f) for f in fields), *(args(*params) if args else params))
        upd = h.update
        if one and not multi:
            return (lambda r: (upd(get(r)),)), (h.value,)
        if not multi:
            return (lambda r: (upd(*get(r)),)), (h.value,)
        if pick is None:
            if one:
                return (lambda r: upd(get(r))), h.value
            return (lambda r: upd(*get(r))), h.value
        if one:
            return (lambda r: (upd(get(r))[pick],)), (h.value[pick],)
        return (lambda r: (upd(*get(r))[pick],)), (h.value[pick],)

    return open_


def mapped(opener: Opener | None, fn: Callable[[Any], Any]) -> Opener | None:
    """Opener for a single-output core followed by an elementwise ``fn`` (e.g. ``ROCR - 1``)."""
    if opener is None:
        return None

    def open_(b: Any, *params: Any) -> tuple[Step, tuple[Any, ...]]:
        step, (v,) = opener(b, *params)
        return (lambda r: (fn(step(r)[0]),)), (fn(v),)

    return open_


def table(index: Callable[[int], int], values: np.ndarray) -> Opener:
    """Opener for a core that is ``values[index(ts)]`` row by row (calendar kinds: no history)."""
    values = values.tolist()

    def open_(b: Any, *params: Any) -> tuple[Step, tuple[Any, ...]]:
        return (lambda r: (values[index(r[5])],)), (values[index(int(b.ts[-1]))],)

    return open_


def both(first: Opener | None, second: Opener | None) -> Opener | None:
    """Opener for a core returning ``(*first's parts, *second's parts)`` over the same window."""
    if first is None or second is None:
        return None

    def open_(b: Any, *params: Any) -> tuple[Step, tuple[Any, ...]]:
        s1, v1 = first(b, *params)
        s2, v2 = second(b, *params)
        return (lambda r: s1(r) + s2(r)), v1 + v2

    return open_


def obv_change(b: Any, p: int) -> tuple[Step, tuple[Any, ...]]:
    """OBV(t) - OBV(t - p) (NaN while fewer than p + 1 rows), from one OBV handle and a ring."""
    h, obv = ta_stream.OBV.open_and_fill(b.close, b.volume)
    upd, ring = h.update, deque(obv[-(p + 1) :].tolist(), maxlen=p + 1)

    def step(r: Row) -> tuple[float]:
        x = upd(r[3], r[4])
        ring.append(x)
        return (x - ring[0] if len(ring) > p else np.nan,)

    return step, (ring[-1] - ring[0] if len(ring) > p else np.nan,)
