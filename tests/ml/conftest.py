"""Session fixtures of the ML tests: small trained models in a temporary model catalog."""

from __future__ import annotations

import pytest

from engine.training import TrainingResult, train_model
from tests.ml.helpers import small_training


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def trained(model_root) -> dict[str, TrainingResult]:
    """One small xgb, mlp and lstm trained on real bars."""
    kinds = ("xgb", "mlp", "lstm")
    return {kind: train_model(small_training(kind, f"t-{kind}", model_root)) for kind in kinds}
