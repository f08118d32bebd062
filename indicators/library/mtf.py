"""Multi-timeframe kinds: a higher timeframe (HTF) resampled from the base bars.

HTF bars are clock-aligned UTC periods of ``tf`` minutes; a base bar with close time ``ts`` belongs
to the HTF bar ending at ``ceil(ts / tf) * tf``. An HTF bar is visible from the first base bar whose
``ts`` is at or after its end, i.e. only once it has closed. Periods without base bars are skipped.
The declared lookback ``tf * (m + 1)`` base bars assumes 1-minute (or slower) base bars.

Batch and streaming both evaluate the same vectorised functions on a (rows x m) window of the last
``m`` visible HTF bars, so they perform identical floating-point operations: ``prep`` over the window
alone (once per HTF window: streaming once per HTF bar, batch once per run of rows seeing the same
window) and ``finish`` with the base close (every row; ``None`` = the value does not depend on it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from indicators.bars import Bars
from indicators.library.registry import Kind, Param, register_kind

_NS_MIN = 60 * 1_000_000_000
# prep(O, H, L, C, *params) -> tuple of (rows,) arrays; O..C are (rows, m) windows oldest first.
PrepFn = Callable[..., tuple[np.ndarray, ...]]
# finish(close, *prepped) -> values; close is (rows,).
FinishFn = Callable[..., np.ndarray] | None


def htf_bars(b: Bars, tf: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (ohlc (G, 4) per HTF period, visible HTF index per base row; -1 = none visible)."""
    tf_ns = tf * _NS_MIN
    end = -(-b.ts // tf_ns) * tf_ns
    n = len(end)
    new = np.empty(n, dtype=bool)
    new[:1] = True
    new[1:] = end[1:] != end[:-1]
    starts = np.flatnonzero(new)
    stops = np.append(starts[1:], n)
    ohlc = np.column_stack(
        (
            b.open[starts],
            np.maximum.reduceat(b.high, starts),
            np.minimum.reduceat(b.low, starts),
            b.close[stops - 1],
        )
    )
    group = np.cumsum(new) - 1
    visible = np.where(end == b.ts, group, group - 1)
    return ohlc, visible


def _batch(prep: PrepFn, finish: FinishFn, m: int) -> Callable[..., np.ndarray]:
    def compute(b: Bars, tf: int, *params: int) -> np.ndarray:
        ohlc, vis = htf_bars(b, tf)
        out = np.full(len(b), np.nan)
        ok = np.flatnonzero(vis >= m - 1)
        if ok.size:
            # rows seeing the same HTF window share one ``prep`` row (computed once per run of
            # equal windows, as streaming does once per HTF bar); ``finish`` then runs per row
            v = vis[ok]
            run = np.empty(v.size, dtype=bool)
            run[0] = True
            run[1:] = v[1:] != v[:-1]
            of_row = np.cumsum(run) - 1  # each row's run
            idx = v[run, None] - (m - 1) + np.arange(m)
            w = ohlc[idx]  # (runs, m, 4)
            prepped = prep(w[..., 0], w[..., 1], w[..., 2], w[..., 3], *params)
            if finish is None:
                out[ok] = prepped[0][of_row]
            else:
                out[ok] = finish(b.close[ok], *(p[of_row] for p in prepped))
        return out

    return compute


class HTFStream:
    """Streaming state of one MTF feature: the current partial HTF bar and the last ``m`` closed ones."""

    def __init__(self, prep: PrepFn, finish: FinishFn, m: int, tf: int, *params: int) -> None:
        self._prep, self._finish, self._m, self._tf_ns, self._params = prep, finish, m, tf * _NS_MIN, params
        self._closed: deque[tuple[float, float, float, float]] = deque(maxlen=m)
        self._end: int | None = None
        self._bar: list[float] = []
        self._closed_count = 0  # HTF bars closed so far; the cached window is valid while it holds
        self._prepped: tuple[np.ndarray, ...] = ()  # prep over the last m closed HTF bars
        self._window_end = -1

    def update(self, ts: int, o: float, h: float, lo: float, c: float, v: float) -> float:
        end = -(-ts // self._tf_ns) * self._tf_ns
        if self._end is not None and end != self._end:
            self._closed.append(tuple(self._bar))
            self._closed_count += 1
            self._end = None
        if self._end is None:
            self._end, self._bar = end, [o, h, lo, c]
        else:
            bar = self._bar
            bar[1], bar[2], bar[3] = max(bar[1], h), min(bar[2], lo), c
        if end == ts:
            self._closed.append(tuple(self._bar))
            self._closed_count += 1
            self._end = None
        if len(self._closed) < self._m:
            return float("nan")
        if self._window_end != self._closed_count:  # once per HTF bar
            w = np.array(self._closed, dtype=np.float64)[None, :, :]
            self._prepped = self._prep(w[..., 0], w[..., 1], w[..., 2], w[..., 3], *self._params)
            self._window_end = self._closed_count
        if self._finish is None:
            return float(self._prepped[0][0])
        return float(self._finish(np.array([c]), *self._prepped)[0])


def _add(
    name: str, params: tuple[Param, ...], prep: PrepFn, finish: FinishFn, m_of: Callable[..., int], doc: str
) -> None:
    def compute(b: Bars, tf: int, *p: int) -> np.ndarray:
        return _batch(prep, finish, m_of(*p))(b, tf, *p)

    register_kind(
        Kind(
            name=name,
            group="multi-timeframe",
            params=(Param("tf", int, 1), *params),
            core=compute,
            lookback=lambda tf, *p: tf * (m_of(*p) + 1),
            mode="mtf",
            stream_factory=lambda tf, *p: HTFStream(prep, finish, m_of(*p), tf, *p),
            doc=doc,
        )
    )


def _logret(o, h, lo, c, k):
    return (np.log(c[:, -1] / c[:, 0]),)


def _sma(o, h, lo, c, n):
    acc = c[:, 0].copy()
    for i in range(1, n):
        acc += c[:, i]
    return (acc / n,)


def _ratio(close, sma):
    return close / sma - 1.0


def _last_range(o, h, lo, c):
    return lo[:, -1], h[:, -1] - lo[:, -1]


def _range_pos(close, low, rng):
    out = (close - low) / rng  # callers run under np.errstate(all="ignore")
    return np.where(rng > 0, out, np.nan)


_add(
    "mtflogret",
    (Param("horizon", int, 1),),
    _logret,
    None,
    lambda k: k + 1,
    "log return of the HTF close over `horizon` closed HTF bars",
)
_add(
    "mtfsmaratio",
    (Param("period", int, 1),),
    _sma,
    _ratio,
    lambda n: n,
    "base close / mean of the last `period` closed HTF closes - 1",
)
_add(
    "mtfrangepos",
    (),
    _last_range,
    _range_pos,
    lambda: 1,
    "base close position within the last closed HTF bar's range",
)
