"""Trading classifiers: one ``Model`` interface, XGBoost / MLP / LSTM / soft-voting ensemble.

``predict_proba`` columns are always ``CLASS_LABELS`` = (sell, neutral, buy) = labels (-1, 0, +1).
"""

from strategies.models.base import CLASS_LABELS, Model
from strategies.models.ensemble import EnsembleModel
from strategies.models.factory import MODEL_KINDS, load_model, make_model
from strategies.models.xgb import XGBoostModel

__all__ = [
    "CLASS_LABELS",
    "MODEL_KINDS",
    "EnsembleModel",
    "LSTMModel",
    "MLPModel",
    "Model",
    "XGBoostModel",
    "load_model",
    "make_model",
]


def __getattr__(name: str) -> object:
    """``LSTMModel`` and ``MLPModel`` on first use (their modules import torch)."""
    if name in ("LSTMModel", "MLPModel"):
        return MODEL_KINDS[{"LSTMModel": "lstm", "MLPModel": "mlp"}[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
