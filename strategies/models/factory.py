"""Build models by kind name and load any saved artifact by the kind it records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import ArtifactError, LineageError
from strategies.models.base import Model, read_model_json
from strategies.models.ensemble import EnsembleModel
from strategies.models.lstm import LSTMModel
from strategies.models.mlp import MLPModel
from strategies.models.xgb import XGBoostModel

MODEL_KINDS: dict[str, type[Model]] = {
    "xgb": XGBoostModel,
    "mlp": MLPModel,
    "lstm": LSTMModel,
    "ensemble": EnsembleModel,
}


def make_model(kind: str, **params: Any) -> Model:
    """A new untrained model of ``kind`` (``xgb|mlp|lstm|ensemble``) with ``params``."""
    try:
        cls = MODEL_KINDS[kind]
    except KeyError:
        raise LineageError(f"model kind {kind!r} unknown; expected one of {sorted(MODEL_KINDS)}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise LineageError(f"model kind {kind!r}: bad parameters ({exc})") from exc


def load_model(directory: str | Path) -> Model:
    """Load the model saved in ``directory``, whatever its kind."""
    directory = Path(directory)
    kind = read_model_json(directory)["kind"]
    if kind not in MODEL_KINDS:
        raise ArtifactError(
            f"{directory / 'model.json'}: field 'kind' is {kind!r}; expected one of {sorted(MODEL_KINDS)}"
        )
    return MODEL_KINDS[kind].load(directory)
