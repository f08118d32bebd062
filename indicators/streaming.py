"""Streaming mode: feature values from one new bar at a time, with bounded memory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from indicators.bars import Bars
from indicators.errors import FeatureError
from indicators.library.steppers import InsufficientHistory
from indicators.plan import Job, plan_jobs
from indicators.spec import FeatureSet


class _Window:
    """The last rows of the stream buffer, quacking like ``Bars``: each column is sliced on access.

    Anchors differ per feature, so most cores see a different row count; slicing only the columns a
    core reads keeps that cheap.
    """

    __slots__ = ("_buf", "_hi", "_lo", "_ts")

    def __init__(self, buf: np.ndarray, ts: np.ndarray, lo: int, hi: int) -> None:
        self._buf, self._ts, self._lo, self._hi = buf, ts, lo, hi

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def open(self) -> np.ndarray:
        return self._buf[0, self._lo : self._hi]

    @property
    def high(self) -> np.ndarray:
        return self._buf[1, self._lo : self._hi]

    @property
    def low(self) -> np.ndarray:
        return self._buf[2, self._lo : self._hi]

    @property
    def close(self) -> np.ndarray:
        return self._buf[3, self._lo : self._hi]

    @property
    def volume(self) -> np.ndarray:
        return self._buf[4, self._lo : self._hi]

    @property
    def ts(self) -> np.ndarray:
        return self._ts[self._lo : self._hi]

    def slice(self, start: int, stop: int) -> Bars:
        """Contiguous views of rows ``start:stop`` of this window (as ``Bars.slice``)."""
        b = Bars(self.open, self.high, self.low, self.close, self.volume, self.ts)
        return b.slice(start, stop)


_NEVER = 1 << 62


def _next_block_start(t: int, w: int, phase: int, block: int) -> int:
    """First row after ``t`` where an anchored job's anchor moves (batch's block starts)."""
    base = w + phase
    return base if t < base else base + ((t - base) // block + 1) * block


def _idle(row: tuple[float, ...]) -> tuple:
    return ()


class _Stepped:
    """An anchored job served by its kind's stepper: reopened at each block start, stepped between."""

    __slots__ = (
        "anchor",
        "block",
        "core",
        "due",
        "j",
        "next_block",
        "opener",
        "params",
        "phase",
        "slot",
        "w",
    )

    def __init__(self, j: int, job: Job, slot: int) -> None:
        self.j, self.slot, self.opener, self.core = j, slot, job.kind.stepper, job.kind.core
        self.params, self.w, self.phase = job.params, job.warmup, job.phase
        self.block = job.block if job.mode == "anchored" else _NEVER  # pointwise: opened once
        self.anchor, self.next_block, self.due = 0, job.warmup, job.warmup


class StreamingFeatures:
    """Incremental feature vector, equal to ``compute_features`` on the same bars from the same start.

    Keeps the last ``capacity`` bars (the largest warm-up + block over ``anchored`` features, or
    lookback for ``pointwise`` ones) in preallocated arrays; ``mtf`` features keep their own state.
    Kinds with a ``stepper`` (TA-Lib's exact streaming handles) are opened over their window at each
    block start (``pointwise`` ones once) and stepped once per bar; others re-run ``core`` over it.
    """

    def __init__(self, feature_set: FeatureSet) -> None:
        self.feature_set = feature_set
        self._jobs = plan_jobs(feature_set)
        need = 1
        self._streams: dict[int, object] = {}  # job index -> mtf stream state
        self._stepped: list[_Stepped] = []
        for j, job in enumerate(self._jobs):
            if job.mode == "anchored":
                need = max(need, job.warmup + job.block)
            elif job.mode == "pointwise":
                need = max(need, job.tail)
            else:
                self._streams[j] = job.kind.stream_factory(*job.params)
            if job.mode != "mtf" and job.kind.stepper is not None:
                self._stepped.append(_Stepped(j, job, len(self._stepped)))
        stepped = {st.j for st in self._stepped}
        self._active: list[tuple] = [(st.j, _idle) for st in self._stepped]  # (job, step) per stepper
        self._next_open = min((st.due for st in self._stepped), default=_NEVER)
        self._calls = [  # (job, core, params, warm-up, block (0 = pointwise), pointwise tail, phase)
            (j, job.kind.core, job.params, job.warmup, job.block, job.tail, job.phase)
            for j, job in enumerate(self._jobs)
            if job.mode != "mtf" and j not in stepped
        ]
        calls = self._calls  # anchor arithmetic for all calls at once (pointwise: step 1, unused)
        self._anchored = np.array([c[4] > 0 for c in calls], dtype=bool)
        self._w = np.array([c[3] for c in calls], dtype=np.int64)
        self._step = np.array([max(c[4], 1) for c in calls], dtype=np.int64)
        self._tail = np.array([c[5] for c in calls], dtype=np.int64)
        self._phase = np.array([c[6] for c in calls], dtype=np.int64)
        self._last: list[tuple | None] = [None] * len(self._jobs)
        self._refs: list[tuple[int, int]] = []  # (job, part) of each entry of the per-bar parts vector
        self._direct = np.empty(0, dtype=np.int64)  # columns without a post step
        self._groups: list[tuple] | None = None  # shared post steps, built on the first warm bar
        self._warm = max(job.warmup for job in self._jobs)
        self.capacity = need
        cap = 2 * need
        self._buf = np.empty((5, cap), dtype=np.float64)
        self._ts = np.empty(cap, dtype=np.int64)
        self._len = 0  # rows held in the buffer
        self._count = 0  # rows seen since the start
        self._last_ts: int | None = None

    @property
    def warmup(self) -> int:
        """Bars to feed before every feature has a value; strategies must wait at least this long."""
        return self.feature_set.warmup

    @property
    def count(self) -> int:
        """Number of bars seen so far."""
        return self._count

    def _append(self, ts: int, row: tuple[float, ...]) -> None:
        if self._len == self._buf.shape[1]:
            keep = self.capacity
            self._buf[:, :keep] = self._buf[:, self._len - keep : self._len]
            self._ts[:keep] = self._ts[self._len - keep : self._len]
            self._len = keep
        self._buf[:5, self._len] = row
        self._ts[self._len] = ts
        self._len += 1
        self._count += 1

    def update(
        self, ts: pd.Timestamp | int, open: float, high: float, low: float, close: float, volume: float
    ) -> np.ndarray:
        """Feed the bar that became known at ``ts`` (its close time); return the feature vector."""
        t_ns = int(ts.value) if isinstance(ts, pd.Timestamp) else int(ts)
        row = (float(open), float(high), float(low), float(close), float(volume))
        for field, v in zip(("open", "high", "low", "close", "volume"), row, strict=True):
            if not math.isfinite(v):
                raise FeatureError(
                    f"streaming bar {self._count} (ts={t_ns}), field '{field}': {v} is not finite"
                )
        if self._last_ts is not None and t_ns <= self._last_ts:
            raise FeatureError(
                f"streaming bar {self._count} (ts={t_ns}): not after previous ts {self._last_ts}"
            )
        self._last_ts = t_ns
        self._append(t_ns, row)
        t = self._count - 1
        with np.errstate(all="ignore"):
            return self._evaluate(t, t_ns, row)

    def _starts(self, t: int) -> list[int]:
        """Buffer index of each core call's first row: its anchor (``FeatureSpec.anchor``) or tail."""
        a = self._phase + ((t - self._w - self._phase) // self._step) * self._step
        return (self._len - np.where(self._anchored, t - np.maximum(a, 0) + 1, self._tail)).tolist()

    def _open_due(self, t: int) -> None:
        """Open the steppers whose block starts at ``t`` (or whose earlier open lacked history)."""
        buf, ts, hi, last, active = self._buf, self._ts, self._len, self._last, self._active
        for st in self._stepped:
            if st.due > t:
                continue
            if t >= st.next_block:  # a new block: the window restarts w rows back
                st.anchor = t - st.w
                st.next_block = _next_block_start(t, st.w, st.phase, st.block)
            # anchored windows always fit the buffer; a pointwise retry may outgrow it (any tail will do)
            window = _Window(buf, ts, max(0, hi - (t - st.anchor + 1)), hi)
            try:
                step, last[st.j] = st.opener(window, *st.params)
                active[st.slot], st.due = (st.j, step), st.next_block
            except InsufficientHistory:  # TA-Lib's seeding wants more rows: core this bar, retry next
                raw = st.core(window, *st.params)
                last[st.j] = tuple([p[-1] for p in raw]) if raw.__class__ is tuple else (raw[-1],)
                active[st.slot], st.due = (st.j, _idle), t + 1
        self._next_open = min((st.due for st in self._stepped), default=_NEVER)

    def _evaluate(self, t: int, t_ns: int, row: tuple[float, ...]) -> np.ndarray:
        last, buf, ts, hi = self._last, self._buf, self._ts, self._len
        for j, stream in self._streams.items():
            last[j] = (stream.update(t_ns, *row),)
        srow = (*row, t_ns)
        for j, step in self._active:
            last[j] = step(srow)
        if t >= self._next_open:
            self._open_due(t)
        if self._calls:
            for (j, core, params, w, *_), lo in zip(self._calls, self._starts(t), strict=True):
                if t < w:
                    continue
                raw = core(_Window(buf, ts, lo, hi), *params)
                last[j] = tuple([p[-1] for p in raw]) if raw.__class__ is tuple else (raw[-1],)
        one = _Window(buf, ts, hi - 1, hi)
        if t < self._warm:
            return self._evaluate_warming(t, one)
        if self._groups is None:
            self._build_groups()
        flat = np.array([last[j][p] for j, p in self._refs], dtype=np.float64)  # every part, once
        out = np.empty(len(self.feature_set.features))
        out[self._direct] = flat[: len(self._direct)]
        for post, params, cols, parts in self._groups:
            out[cols] = post(one, *[flat[s] for s in parts], *params)
        return out

    def _evaluate_warming(self, t: int, one: Bars) -> np.ndarray:
        """Feature by feature while some are still warming up (NaN until their warm-up)."""
        out = np.full(len(self.feature_set.features), np.nan)
        for j, job in enumerate(self._jobs):
            for m in job.members:
                if t < m.warmup:
                    continue
                mine = m.kind.parts(tuple(np.array([v]) for v in self._last[j]))
                out[m.column] = mine[0][0] if m.kind.post is None else m.kind.post(one, *mine, *m.params)[0]
        return out

    def _build_groups(self) -> None:
        """Members with a post step, grouped so each distinct step runs once over a vector of values."""
        direct, groups = [], {}
        for j, job in enumerate(self._jobs):
            for m in job.members:
                n_parts = len(self._last[j])
                picks = tuple(range(n_parts)) if m.kind.output is None else (m.kind.output,)
                if m.kind.post is None:
                    direct.append((m.column, j, picks[0]))
                    continue
                # a post that ignores its parameters gets the first member's (any would do)
                key = (m.kind.post, m.params if m.kind.post_params else None, len(picks))
                groups.setdefault(key, (m.params, []))[1].append((m.column, [(j, p) for p in picks]))
        # one flat vector of parts per bar: the direct columns first, then each group's parts in runs
        self._refs = [(j, p) for _, j, p in direct]
        self._direct = np.array([c for c, _, _ in direct], dtype=np.int64)
        self._groups = []
        for (post, _, n), (params, items) in groups.items():
            parts = []
            for i in range(n):
                parts.append(slice(len(self._refs), len(self._refs) + len(items)))
                self._refs.extend(r[i] for _, r in items)
            self._groups.append((post, params, np.array([c for c, _ in items]), parts))
