"""Fixtures of the model tests (helpers live in ``modeldata``)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.models.modeldata import KINDS, eth_btc_features, fast_model


@pytest.fixture(scope="session")
def eth_data() -> tuple[np.ndarray, np.ndarray]:
    """1,500 real rows: features with NaN warm-up rows, labels with NaN at the end."""
    return eth_btc_features(1500)


@pytest.fixture(scope="session")
def trained(eth_data):
    """One trained model of each kind on the first 1,000 real rows (eval set: the next 300)."""
    X, y = eth_data
    return {k: fast_model(k).fit(X[:1000], y[:1000], eval_set=(X[1000:1300], y[1000:1300])) for k in KINDS}
