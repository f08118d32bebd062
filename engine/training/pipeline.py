"""``train_model``: catalog bars -> features + labels -> purged time split -> fit -> score -> catalog."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.catalog import bars_frame, dataset_info
from engine.errors import LineageError
from engine.models import ModelCatalog, ModelRef
from engine.training.labels import LabelSpec
from engine.training.matrix import build_matrix
from engine.training.modelspec import build_model
from engine.training.scoring import score
from engine.training.split import SPLITS, SplitSpec, purged_split
from indicators import FeatureSet

DEFAULT_MODEL_ROOT = Path("catalogs/models")


@dataclass(frozen=True)
class TrainingConfig:
    """One training job. ``split`` defaults to 60/20/20 with an embargo of ``labels.horizon`` rows.
    ``extra`` is added to the model card's ``extra`` metadata (e.g. a walk-forward fold's search)."""

    catalog: Path
    instrument_id: str
    bar: str
    model: str
    name: str
    start: str | None = None
    end: str | None = None
    seed: int = 0
    features: FeatureSet = field(default_factory=FeatureSet.default)
    labels: LabelSpec = field(default_factory=LabelSpec)
    split: SplitSpec | None = None
    model_params: dict[str, Any] = field(default_factory=dict)
    model_root: Path = DEFAULT_MODEL_ROOT
    progress: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingResult:
    """The stored model, its validation/test metrics and each split's bounds (ISO times, rows)."""

    ref: ModelRef
    metrics: dict[str, Any]
    splits: dict[str, dict[str, Any]]
    warmup: int


class _Steps:
    """Stage progress on stderr (tqdm), shown only when asked for."""

    def __init__(self, enabled: bool, total: int) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=sys.stderr, desc="train", leave=False)

    def step(self, what: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(what)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _bounds(ts: pd.DatetimeIndex, rows: np.ndarray) -> dict[str, Any]:
    return {"first": ts[rows[0]].isoformat(), "last": ts[rows[-1]].isoformat(), "rows": len(rows)}


def train_model(config: TrainingConfig) -> TrainingResult:
    """Train ``config.model`` and store it as the next version of ``config.name``."""
    steps = _Steps(config.progress, 5)
    try:
        steps.step("loading bars")
        info = dataset_info(config.catalog, config.instrument_id, "bars", config.bar)
        bars = bars_frame(config.catalog, config.instrument_id, config.bar, config.start, config.end)
        if bars.empty:
            raise LineageError(
                f"{config.catalog}: no {config.bar} bars for {config.instrument_id} in "
                f"{config.start or 'the start'}..{config.end or 'the end'}"
            )
        steps.step("features and labels")
        m = build_matrix(bars, config.features, config.labels)
        spec = config.split or SplitSpec(embargo=config.labels.horizon)
        splits = purged_split(m.ts, m.label_end, spec)
        steps.step("fitting")
        model = build_model(config.model, config.seed, config.model_params)
        tr, va = splits.train, splits.validation
        model.fit(m.X[tr], m.y[tr], eval_set=(m.X[va], m.y[va]))
        steps.step("scoring")
        proba = model.predict_proba(m.full_X)[m.full_pos]  # windowed models see real history
        metrics: dict[str, Any] = {
            name: score(proba[splits.get(name)], m.y[splits.get(name)]) for name in SPLITS
        }
        metrics["purged"] = splits.purged
        metrics["embargo"] = spec.embargo
        bounds = {name: _bounds(m.ts, splits.get(name)) for name in SPLITS}
        steps.step("saving")
        ref = ModelCatalog(config.model_root).save(
            config.name,
            model,
            metadata={
                "feature_set": json.loads(config.features.to_json()),
                "feature_digest": config.features.digest,
                "label_spec": config.labels.to_dict(),
                "train_start": bounds["train"]["first"],
                "train_end": bounds["train"]["last"],
                "data_digest": info["digest"],
                "metrics": metrics,
                "seed": config.seed,
                "created_by": {"tool": "lineage train"},
                "extra": {
                    "instrument_id": config.instrument_id,
                    "bar": config.bar,
                    "bar_type": info["bar_type"],
                    "window": {"start": config.start, "end": config.end},
                    "warmup": m.warmup,
                    "splits": bounds,
                    "split_spec": {"train": spec.train, "validation": spec.validation, "test": spec.test},
                    "libraries": _more_versions(),
                    **config.extra,
                },
            },
        )
    finally:
        steps.close()
    return TrainingResult(ref=ref, metrics=metrics, splits=bounds, warmup=m.warmup)


def _more_versions() -> dict[str, str]:
    import nautilus_trader
    import pandas
    import talib

    return {
        "nautilus_trader": nautilus_trader.__version__,
        "pandas": pandas.__version__,
        "talib": talib.__version__,
    }
