"""Fold planning: rolling or anchored (expanding) train/test windows, purge and embargo.

Windows are half-open ``[start, end)`` on bar close time (``ts`` of ``bars_frame``). Rolling:
fold ``k`` trains on ``[t0 + k*step, t0 + k*step + train)``; anchored: on ``[t0, t0 + k*step +
train)``. Either way it tests on the ``test`` long window that follows its training window. Only
complete test windows are planned.

Training rows of fold ``k`` are dropped when

* **purge**: their label horizon ``[ts, label_end]`` reaches into fold ``k``'s own test window (or
  any later one) -- the label would have seen the data the fold is judged on;
* **embargo**: they lie within ``embargo`` after ANY test window ``[test_end, test_end + embargo)``.
  Earlier folds' test windows are ordinary history for later folds (that is what walk-forward
  means), but the bars right after them are serially correlated with the test period, so they are
  left out of every training set;
* they have no label (``label_end`` is NaT: the horizon ran past the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.walkforward.errors import FoldError

ONE_NS = pd.Timedelta(1, "ns")
ZERO = pd.Timedelta(0)


def parse_duration(text: str | pd.Timedelta, what: str, *, allow_zero: bool = False) -> pd.Timedelta:
    """A pandas-style duration (``7D``, ``12h``, ``90min``) as a Timedelta; must be > 0 (or >= 0)."""
    try:
        value = pd.Timedelta(text)
    except (ValueError, TypeError):
        raise FoldError(f"{what}: {text!r} is not a duration; expected e.g. '7D', '12h', '90min'") from None
    if value is pd.NaT or value < pd.Timedelta(0) or (value == pd.Timedelta(0) and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise FoldError(f"{what}: {text!r} must be a duration {expected}")
    return value


@dataclass(frozen=True)
class FoldScheme:
    """How folds are cut: train/test lengths, step between folds (default: test), anchored or
    rolling, and the embargo after each test window."""

    train: pd.Timedelta
    test: pd.Timedelta
    step: pd.Timedelta
    anchored: bool = False
    embargo: pd.Timedelta = ZERO

    @classmethod
    def parse(
        cls,
        train: str,
        test: str,
        step: str | None = None,
        anchored: bool = False,
        embargo: str | None = None,
    ) -> FoldScheme:
        """Build a scheme from duration strings (``--train 7D --test 1D``)."""
        test_td = parse_duration(test, "test")
        return cls(
            train=parse_duration(train, "train"),
            test=test_td,
            step=parse_duration(step, "step") if step else test_td,
            anchored=bool(anchored),
            embargo=parse_duration(embargo, "embargo", allow_zero=True) if embargo else pd.Timedelta(0),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "train": str(self.train),
            "test": str(self.test),
            "step": str(self.step),
            "anchored": self.anchored,
            "embargo": str(self.embargo),
        }


@dataclass(frozen=True)
class Fold:
    """One fold's windows (UTC, half-open)."""

    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    @property
    def fold_id(self) -> str:
        return f"fold-{self.index:03d}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (ISO-8601 strings)."""
        return {
            "index": self.index,
            "train": [self.train_start.isoformat(), self.train_end.isoformat()],
            "test": [self.test_start.isoformat(), self.test_end.isoformat()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fold:
        return cls(
            int(d["index"]),
            pd.Timestamp(d["train"][0]),
            pd.Timestamp(d["train"][1]),
            pd.Timestamp(d["test"][0]),
            pd.Timestamp(d["test"][1]),
        )


def _utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def make_folds(start: pd.Timestamp | str, end: pd.Timestamp | str, scheme: FoldScheme) -> list[Fold]:
    """Every complete fold between the first bar ``start`` and the last bar ``end`` (inclusive)."""
    start, end = _utc(start), _utc(end)
    stop = end + ONE_NS
    folds: list[Fold] = []
    k = 0
    while True:
        shift = scheme.step * k
        train_start = start if scheme.anchored else start + shift
        train_end = start + scheme.train + shift
        test_end = train_end + scheme.test
        if test_end > stop:
            break
        folds.append(Fold(k, train_start, train_end, train_end, test_end))
        k += 1
    if not folds:
        raise FoldError(
            f"too little data: bars span {start.isoformat()} .. {end.isoformat()} ({end - start}); "
            f"one fold needs train {scheme.train} + test {scheme.test}"
        )
    validate_folds(folds)
    return folds


def validate_folds(folds: Sequence[Fold]) -> None:
    """Windows well-formed, each test after its training window, test windows ordered and disjoint."""
    for i, f in enumerate(folds):
        if f.index != i:
            raise FoldError(f"{f.fold_id}: listed at position {i}; expected folds in index order", i)
        if not (f.train_start < f.train_end <= f.test_start < f.test_end):
            raise FoldError(
                f"{f.fold_id}: windows train [{f.train_start}, {f.train_end}) test "
                f"[{f.test_start}, {f.test_end}) are malformed; expected train to end before test starts",
                i,
            )
        if i and f.test_start < folds[i - 1].test_end:
            prev = folds[i - 1]
            raise FoldError(
                f"{f.fold_id}: test window [{f.test_start}, {f.test_end}) overlaps {prev.fold_id}'s "
                f"[{prev.test_start}, {prev.test_end}); expected step >= test length",
                i,
            )


def _as_index(values: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(values)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def oos_mask(ts: Any, fold: Fold) -> np.ndarray:
    """Rows whose ``ts`` lies in ``fold``'s test window."""
    t = _as_index(ts)
    return np.asarray((t >= fold.test_start) & (t < fold.test_end))


def train_mask(
    ts: Any, label_end: Any | None, fold: Fold, folds: Sequence[Fold], embargo: pd.Timedelta
) -> np.ndarray:
    """Training rows of ``fold`` after purge and embargo (see the module docstring).

    ``label_end`` (same length as ``ts``) is each row's label horizon end; ``None`` means labels
    look no further than their own bar (nothing to purge beyond the window itself).
    """
    t = _as_index(ts)
    ends = t if label_end is None else _as_index(label_end)
    keep = np.asarray((t >= fold.train_start) & (t < fold.train_end))
    keep &= ~np.asarray(ends.isna())
    later = [g for g in folds if g.index >= fold.index]
    for g in later:
        keep &= ~np.asarray((t < g.test_end) & (ends >= g.test_start))
    if embargo > pd.Timedelta(0):
        for g in folds:
            keep &= ~np.asarray((t >= g.test_end) & (t < g.test_end + embargo))
    return keep


def check_fold_rows(
    ts: Any,
    label_end: Any | None,
    folds: Sequence[Fold],
    embargo: pd.Timedelta,
    min_train_rows: int = 1,
    min_test_rows: int = 1,
) -> list[dict[str, int]]:
    """Row counts per fold, raising ``FoldError`` for the first fold with too few train/test rows."""
    counts = []
    for f in folds:
        n_test = int(oos_mask(ts, f).sum())
        if n_test < min_test_rows:
            raise FoldError(
                f"{f.fold_id}: test window [{f.test_start}, {f.test_end}) has {n_test} bars; "
                f"expected at least {min_test_rows} (a gap in the data?)",
                f.index,
            )
        n_train = int(train_mask(ts, label_end, f, folds, embargo).sum())
        if n_train < min_train_rows:
            raise FoldError(
                f"{f.fold_id}: training window [{f.train_start}, {f.train_end}) keeps {n_train} rows "
                f"after purge/embargo; expected at least {min_train_rows}",
                f.index,
            )
        counts.append({"train_rows": n_train, "test_rows": n_test})
    return counts
