"""Shared set-up of the strategy look-ahead tests: the bundled sample catalog and a tiny xgb model."""

from __future__ import annotations

import pytest

from engine.backtest import BacktestConfig
from engine.catalog import sample_catalog
from engine.training import TrainingResult, train_model
from tests.ml.helpers import BAR, INSTRUMENT, small_training

LEAKY = "tests.lookahead.leaky:PeekingStrategy"


def config(strategy: str, start: str, end: str, **fields) -> BacktestConfig:
    """A backtest of ``strategy`` on real ETH/BTC 5-minute bars of the sample catalog."""
    return BacktestConfig(
        catalog=sample_catalog(),
        instrument_id=INSTRUMENT,
        bar=BAR,
        strategy=strategy,
        start=start,
        end=end,
        balances=("10 BTC",),
        record=False,
        **fields,
    )


@pytest.fixture(scope="session")
def tiny_xgb(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainingResult, str]:
    """A small xgb trained through ``engine.training`` on bars before 2018-01-16, and its model root."""
    root = tmp_path_factory.mktemp("lookahead-models")
    return train_model(small_training("xgb", "la-xgb", root)), str(root)
