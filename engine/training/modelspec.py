"""Default model parameters per kind for ``lineage train`` (seeds derived from the run's seed)."""

from __future__ import annotations

from typing import Any

import numpy as np

from strategies.models import MODEL_KINDS, Model, make_model

DEFAULTS: dict[str, dict[str, Any]] = {
    "xgb": {
        "n_estimators": 200,
        "max_depth": 4,
        "learning_rate": 0.05,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
    },
    "mlp": {"hidden": [64, 32], "max_epochs": 30},
    "lstm": {"seq_len": 16, "hidden": 16, "max_epochs": 10},
}


def build_model(kind: str, seed: int, params: dict[str, Any] | None = None) -> Model:
    """A new model of ``kind``: defaults, then ``params`` on top; ``seed`` set explicitly.

    An ensemble without ``members`` gets one xgb, mlp and lstm member, seeded from ``seed``.
    """
    params = dict(params or {})
    if kind == "ensemble" and "members" not in params:
        seeds = np.random.SeedSequence(seed).generate_state(3)
        params["members"] = [
            {"kind": k, **DEFAULTS[k], "seed": int(s)}
            for k, s in zip(("xgb", "mlp", "lstm"), seeds, strict=True)
        ]
    merged = {**DEFAULTS.get(kind, {}), **params, "seed": int(seed)}
    if kind not in MODEL_KINDS:
        return make_model(kind)  # raises the registry's error naming the valid kinds
    return make_model(kind, **merged)
