"""Training pipeline: catalog bars -> features + labels -> purged, embargoed time split -> model
-> validation/test metrics -> versioned model catalog entry with full metadata."""

from engine.training.labels import LabelSpec
from engine.training.matrix import TrainingMatrix, build_matrix, startup_bars
from engine.training.pipeline import DEFAULT_MODEL_ROOT, TrainingConfig, TrainingResult, train_model
from engine.training.scoring import score
from engine.training.split import Splits, SplitSpec, purged_split

__all__ = [
    "DEFAULT_MODEL_ROOT",
    "LabelSpec",
    "SplitSpec",
    "Splits",
    "TrainingConfig",
    "TrainingMatrix",
    "TrainingResult",
    "build_matrix",
    "purged_split",
    "score",
    "startup_bars",
    "train_model",
]
