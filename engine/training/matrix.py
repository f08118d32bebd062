"""The training matrix: features (warm-up rows dropped) beside labels and their end times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import LineageError
from engine.training.labels import LabelSpec
from indicators import FeatureSet, compute_features, warmup_analysis


@dataclass(frozen=True)
class TrainingMatrix:
    """Rows from ``warmup`` on that have a label: ``X`` (float64), ``y`` (-1/0/+1), bar close times
    ``ts`` and ``label_end`` (int64 ns). ``full_X`` keeps every post-warm-up row (labelled or not),
    ``full_pos`` maps each labelled row to its position in ``full_X`` (windowed models need history)."""

    X: np.ndarray
    y: np.ndarray
    ts: pd.DatetimeIndex
    label_end: np.ndarray
    warmup: int
    full_X: np.ndarray
    full_pos: np.ndarray


def startup_bars(bars: pd.DataFrame, feature_set: FeatureSet) -> int:
    """Bars to skip: the larger of the declared warm-up and the measured one (``warmup_analysis``)."""
    measured = warmup_analysis(bars, feature_set).startup
    return max(feature_set.warmup, measured or 0)


def build_matrix(
    bars: pd.DataFrame, feature_set: FeatureSet, labels: LabelSpec, warmup: int | None = None
) -> TrainingMatrix:
    """Features from ``compute_features`` and labels from ``labels`` on the same bars."""
    w = startup_bars(bars, feature_set) if warmup is None else int(warmup)
    if len(bars) <= w + 1:
        raise LineageError(
            f"training data: {len(bars)} bars, but the feature set needs {w} warm-up bars; expected more bars"
        )
    feats = compute_features(bars, feature_set).iloc[w:]
    lab = labels.labels(bars).iloc[w:]
    full_X = np.ascontiguousarray(feats.to_numpy(dtype=np.float64))
    ok = lab["label"].notna().to_numpy()
    pos = np.flatnonzero(ok)
    ends = lab["label_end"].iloc[pos]
    return TrainingMatrix(
        X=full_X[pos],
        y=lab["label"].to_numpy(dtype=np.float64)[pos],
        ts=feats.index[pos],
        label_end=np.asarray(pd.DatetimeIndex(ends).asi8, dtype=np.int64),
        warmup=w,
        full_X=full_X,
        full_pos=pos,
    )
