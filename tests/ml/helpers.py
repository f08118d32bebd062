"""Shared pieces of the ML tests: a small real-data training set-up and an always-buy model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.catalog import sample_catalog
from engine.training import LabelSpec, SplitSpec, TrainingConfig
from indicators import FeatureSet
from strategies.models.base import Model

INSTRUMENT = "ETHBTC.SIM"
BAR = "5-MINUTE"
BAR_TYPE = "ETHBTC.SIM-5-MINUTE-LAST-EXTERNAL"
# pointwise and anchored (recursive) features, with a short warm-up so tests stay fast
SMALL_FEATURES = FeatureSet.from_names(
    ["sma_10", "willr_14", "rsi_14", "cci_14", "bbpctb_20_2", "roc_10", "logret_1", "natr_14"]
)
SMALL_MODELS: dict[str, dict[str, Any]] = {
    "xgb": {"n_estimators": 20, "max_depth": 3},
    "mlp": {"hidden": [16], "max_epochs": 3},
    "lstm": {"seq_len": 4, "hidden": 4, "max_epochs": 2},
}


def small_training(kind: str, name: str, root: Path, seed: int = 0, **overrides: Any) -> TrainingConfig:
    """Train ``kind`` on ~1,700 real ETH/BTC bars (2018-01-10 .. 01-16) with the small feature set."""
    fields: dict[str, Any] = {
        "catalog": sample_catalog(),
        "instrument_id": INSTRUMENT,
        "bar": BAR,
        "model": kind,
        "name": name,
        "end": "2018-01-16",
        "seed": seed,
        "features": SMALL_FEATURES,
        "labels": LabelSpec("forward", horizon=6, up=0.002, down=0.002),
        "split": SplitSpec(0.6, 0.2, 0.2, embargo=6),
        "model_params": SMALL_MODELS[kind],
        "model_root": root,
    }
    fields.update(overrides)
    return TrainingConfig(**fields)


class AlwaysBuy(Model):
    """A test model that always says buy (P = 0.05 / 0.05 / 0.9), whatever the features."""

    kind = "always-buy"

    def __init__(self, seed: int = 0) -> None:
        super().__init__({"seed": int(seed)})

    def _fit(self, X, codes, w, ev) -> None:
        pass

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.tile([0.05, 0.05, 0.9], (X.shape[0], 1))

    def _save_files(self, directory: Path) -> dict[str, Any]:
        return {}

    def _load_files(self, directory: Path, state: dict[str, Any]) -> None:
        pass
