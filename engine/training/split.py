"""Time-ordered train / validation / test split with purge and embargo.

Rows are split by position in time. EMBARGO leaves ``embargo`` rows unused after the training
and after the validation block. PURGE then drops every training row whose ``label_end`` reaches
the first time of validation (or test), and every validation row whose ``label_end`` reaches the
first time of test, so no label used for fitting or early stopping looks at evaluation bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import LineageError

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitSpec:
    """Fractions of the labelled rows per split (they sum to 1) and the embargo gap in rows."""

    train: float = 0.6
    validation: float = 0.2
    test: float = 0.2
    embargo: int = 0

    def __post_init__(self) -> None:
        parts = (self.train, self.validation, self.test)
        if any(not 0.0 < p < 1.0 for p in parts) or abs(sum(parts) - 1.0) > 1e-9:
            raise LineageError(
                f"split: fractions train={self.train} validation={self.validation} test={self.test}; "
                "expected each in (0, 1) and summing to 1"
            )
        if not isinstance(self.embargo, int) or self.embargo < 0:
            raise LineageError(f"split: embargo is {self.embargo!r}; expected an integer >= 0 rows")


@dataclass(frozen=True)
class Splits:
    """Row positions of each split (into the arrays given to ``purged_split``) and counts purged."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    purged: dict[str, int]

    def get(self, name: str) -> np.ndarray:
        return {"train": self.train, "validation": self.validation, "test": self.test}[name]


def purged_split(ts: pd.DatetimeIndex, label_end: pd.Series | np.ndarray, spec: SplitSpec) -> Splits:
    """Split rows (``ts`` strictly increasing, every ``label_end`` set) with embargo then purge."""
    n = len(ts)
    ends = pd.DatetimeIndex(label_end).asi8 if not isinstance(label_end, np.ndarray) else label_end
    ends = np.asarray(ends, dtype=np.int64)
    t = np.asarray(ts.asi8, dtype=np.int64)
    if len(ends) != n:
        raise LineageError(f"split: {len(ends)} label ends for {n} rows; expected one per row")
    cut1 = int(np.floor(n * spec.train))
    cut2 = int(np.floor(n * (spec.train + spec.validation)))
    v0, t0 = cut1 + spec.embargo, cut2 + spec.embargo
    if cut1 < 1 or v0 >= cut2 or t0 >= n:
        raise LineageError(
            f"split: {n} labelled rows are too few for fractions {spec.train}/{spec.validation}/{spec.test} "
            f"with an embargo of {spec.embargo} rows; every split needs at least one row"
        )
    train, val, test = np.arange(0, cut1), np.arange(v0, cut2), np.arange(t0, n)
    first_val, first_test = t[v0], t[t0]
    keep_train = ends[train] < first_val
    keep_val = ends[val] < first_test
    purged = {"train": int((~keep_train).sum()), "validation": int((~keep_val).sum())}
    train, val = train[keep_train], val[keep_val]
    if not len(train) or not len(val):
        raise LineageError(
            "split: purging label overlaps left an empty train or validation split; "
            "use a shorter label horizon or more data"
        )
    return Splits(train, val, test, purged)
