"""The arena's market features: a small causal ``FeatureSet`` (``indicators``), standardised with
statistics of the training period only (so evaluation never sees its own moments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import DataValidationError
from indicators import FeatureSet, compute_features

CLIP = 5.0


@dataclass(frozen=True)
class FeatureScaling:
    """Per-feature mean and std of the training rows; ``apply`` standardises and clips to +-CLIP."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def apply(self, values: np.ndarray) -> np.ndarray:
        z = (np.asarray(values, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.std)
        return np.clip(z, -CLIP, CLIP).astype(np.float32)

    def to_dict(self) -> dict[str, list]:
        return {"names": list(self.names), "mean": list(self.mean), "std": list(self.std)}


def raw_features(frame: pd.DataFrame, names: Sequence[str]) -> tuple[np.ndarray, int]:
    """Feature matrix (rows of ``frame``) and the number of leading warm-up rows (NaN) to drop."""
    fs = FeatureSet.from_names(list(names))
    values = compute_features(frame, fs).to_numpy(dtype=np.float64)
    finite = np.isfinite(values).all(axis=1)
    if not finite.any():
        raise DataValidationError(f"features {list(names)}: no row has every value ({len(frame)} bars)")
    warm = int(np.argmax(finite))
    bad = np.flatnonzero(~finite[warm:])
    if bad.size:
        raise DataValidationError(
            f"features: row {warm + bad[0]} ({frame.index[warm + bad[0]]}): non-finite value after warm-up"
        )
    return values, warm


def fit_scaling(values: np.ndarray, names: Sequence[str]) -> FeatureScaling:
    """Standardisation statistics of ``values`` (training rows only); a constant column gets std 1."""
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return FeatureScaling(tuple(names), tuple(float(x) for x in mean), tuple(float(x) for x in std))
