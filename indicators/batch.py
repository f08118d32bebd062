"""Batch mode: the whole feature matrix from a bars DataFrame."""

from __future__ import annotations

import mmap
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from indicators.bars import Bars, validate_bars
from indicators.errors import FeatureError
from indicators.plan import Job, Member, plan_jobs
from indicators.spec import FeatureSet, FeatureSpec


def _as_float(values: np.ndarray, who: Job | Member, n: int) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (n,):
        name = FeatureSpec(who.kind.name, who.params).name
        raise FeatureError(f"feature {name!r}: produced shape {out.shape}, expected ({n},)")
    return out


def _anchored_core(b: Bars, job: Job, direct: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The job's core arrays over all rows: row t from TA-Lib over ``[anchor(t), t]``, one call per block.

    Rows before warm-up are NaN. ``direct`` (if given) receives the single core array in place.
    """
    n, w, s, k = len(b), job.warmup, job.block, job.kind
    cores: list[np.ndarray] = []
    # block starts: w (anchor 0), then w + phase + i * s (anchor phase + i * s); they cover w..n-1 once
    starts = [w, *range(w + job.phase, n, s)] if job.phase else list(range(w, n, s))
    for first, stop in zip(starts, [*starts[1:], n], strict=True):
        anchor = first - w
        raw = k.core(b.slice(anchor, stop), *job.params)
        parts = raw if isinstance(raw, tuple) else (raw,)
        if not cores:
            cores = [direct] if direct is not None and len(parts) == 1 else [np.empty(n) for _ in parts]
            for full in cores:
                full[:w] = np.nan
        for full, part in zip(cores, parts, strict=True):
            full[first:stop] = _as_float(part, job, stop - anchor)[w:]
    return tuple(cores)


def _finish(b: Bars, m: Member, parts: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """Member column from its job's core arrays: pick its output, apply ``post``, NaN before warm-up."""
    n, w = len(b), m.warmup
    mine = m.kind.parts(parts)
    if m.kind.post is None:
        if mine[0] is not out:
            out[w:] = mine[0][w:]
    else:
        out[w:] = _as_float(m.kind.post(b, *mine, *m.params), m, n)[w:]
    out[:w] = np.nan


def compute_job(b: Bars, job: Job, outs: list[np.ndarray]) -> None:
    """Fill ``outs`` (one array of ``len(b)`` per job member) with the members' feature values."""
    n, w = len(b), job.warmup
    if n <= w:
        for out in outs:
            out[:] = np.nan
        return
    if job.mode == "anchored":
        lone = len(job.members) == 1 and job.kind.post is None and job.kind.output is None
        parts = _anchored_core(b, job, outs[0] if lone else None)
    elif job.mode == "pointwise":
        raw = job.kind.core(b, *job.params)
        parts = tuple(_as_float(p, job, n) for p in (raw if isinstance(raw, tuple) else (raw,)))
    else:  # mtf: the kind computes its own exact values
        parts = (_as_float(job.kind.compute(b, *job.params), job, n),)
    for m, out in zip(job.members, outs, strict=True):
        _finish(b, m, parts, out)


def compute_feature(b: Bars, spec: FeatureSpec, out: np.ndarray | None = None) -> np.ndarray:
    """One feature over all rows of ``b`` (written into ``out`` if given); rows before warm-up are NaN.

    ``anchored`` kinds: the value at row t is the kind's output at t computed over rows
    ``[spec.anchor(t), t]`` (anchors every ``block`` rows from ``phase``). TA-Lib runs once per block.
    """
    out = np.empty(len(b)) if out is None else out
    (job,) = plan_jobs(FeatureSet((spec,)))
    compute_job(b, job, [out])
    return out


def check_length(b: Bars, feature_set: FeatureSet, source: str = "bars") -> None:
    """Raise when there are fewer bars than a feature needs to produce a single value."""
    worst = max(feature_set.features, key=lambda f: f.lookback)
    if len(b) <= worst.lookback:
        raise FeatureError(
            f"{source}: {len(b)} bars is too short for feature {worst.name!r}, "
            f"which needs more than its lookback of {worst.lookback} bars"
        )


_MAP_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # Linux only


def column_matrix(rows: int, columns: int, dtype: type = np.float64) -> np.ndarray:
    """A zero-filled ``rows`` x ``columns`` matrix of ``dtype``, columns contiguous (order "F").

    Large ones are an anonymous memory map rather than ``np.empty``: numpy advises the kernel to
    back big arrays with 2 MB pages, and with transparent huge pages in ``madvise`` mode (a common
    default) the kernel then compacts memory to find them, which for a matrix written once, column
    by column, cost more system time than it saved (1M bars x 143 features: 2.98 s instead of
    3.43 s of CPU in ``compute_features``). The map is private (a shared one is backed by shmem)
    and, where the platform has it, ``MAP_POPULATE`` maps every page in one call instead of one
    fault per page as the matrix is first written: the same 1M bars in float32 take 0.25 s of
    system time instead of 0.43-0.52 s (shared, faulted) or 0.31-0.37 s (private, faulted).
    A fresh anonymous map reads as zeros."""
    itemsize = np.dtype(dtype).itemsize
    size = rows * columns * itemsize
    if size < mmap.PAGESIZE:
        return np.zeros((rows, columns), dtype=dtype, order="F")
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_POPULATE)
    return np.ndarray((rows, columns), dtype=dtype, buffer=buffer, order="F")


FEATURE_DTYPES = (np.float64, np.float32)


def compute_features(bars: pd.DataFrame, feature_set: FeatureSet, dtype: type = np.float64) -> pd.DataFrame:
    """Feature matrix: same index as ``bars``, one column per name in ``feature_set.names`` order.

    Values are computed in float64; ``dtype=np.float32`` stores each one rounded to float32 (to
    nearest, as a model that reads float32 rounds them itself), in half the memory."""
    matrix = feature_matrix(bars, feature_set, dtype)
    return pd.DataFrame(matrix, index=bars.index, columns=feature_set.names, copy=False)


def feature_matrix(
    bars: pd.DataFrame,
    feature_set: FeatureSet,
    dtype: type = np.float64,
    columns: Iterable[int] | None = None,
) -> np.ndarray:
    """``compute_features(bars, feature_set, dtype).to_numpy()`` (column-major), or with
    ``columns`` (indices into ``feature_set.names``) only those columns: every other column is left
    0.0, not computed. For a model that reads only some features (``Model.used_columns``): its
    predictions do not depend on the others, so computing them would be wasted work."""
    if dtype not in FEATURE_DTYPES:
        raise FeatureError(f"features: dtype {dtype!r}; expected numpy.float64 or numpy.float32")
    width = len(feature_set.features)
    wanted = None if columns is None else _column_set(columns, width)
    b = validate_bars(bars)
    check_length(b, feature_set)
    matrix = column_matrix(len(b), width, dtype)
    with np.errstate(all="ignore"):
        for job in plan_jobs(feature_set):  # features sharing a core (e.g. MACD outputs) share its call
            if wanted is not None:
                job = replace(job, members=[m for m in job.members if m.column in wanted])
                if not job.members:
                    continue
            compute_job(b, job, [matrix[:, m.column] for m in job.members])
    return matrix


def _column_set(columns: Iterable[int], width: int) -> frozenset[int]:
    out = frozenset(int(c) for c in columns)
    bad = sorted(c for c in out if not 0 <= c < width)
    if bad:
        raise FeatureError(f"feature columns {bad}: expected indices in [0, {width}) of the feature set")
    return out
