"""The fast path's per-bar shortcuts: probability text and batch lookup behave like the originals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.events import encode_floats, encode_json
from strategies.ml.inputs import BatchInputs, StreamingInputs
from tests.ml.helpers import SMALL_FEATURES, AlwaysBuy
from tests.realdata import eth_btc_bars


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats() | st.floats(width=32).map(lambda x: float(np.float32(x))), max_size=4))
def test_encode_floats_is_encode_json(values: list[float]) -> None:
    assert encode_floats(values) == encode_json(values)
    assert encode_floats(tuple(values)) == encode_json(list(values))


def _frame(bars) -> pd.DataFrame:
    rows = [
        (b.open.as_double(), b.high.as_double(), b.low.as_double(), b.close.as_double(), b.volume.as_double())
        for b in bars
    ]
    idx = pd.DatetimeIndex(pd.to_datetime([b.ts_init for b in bars], utc=True), name="ts")
    return pd.DataFrame(rows, index=idx, columns=["open", "high", "low", "close", "volume"])


def test_batch_lookup_in_any_order_and_refusal_of_foreign_bars():
    bars = eth_btc_bars(300)
    model = AlwaysBuy().fit([[0.0] * len(SMALL_FEATURES.names)], [1.0])
    batch = BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup)
    stream = StreamingInputs(SMALL_FEATURES, model, SMALL_FEATURES.warmup)
    in_order = [batch.proba(b) for b in bars]
    assert in_order == [stream.proba(b) for b in bars]
    assert in_order[-1] == (0.05, 0.05, 0.9) and all(type(p) is float for p in in_order[-1])
    rng = np.random.default_rng(0)
    for i in rng.permutation(len(bars))[:50]:  # out of order: searched, same answers
        assert batch.proba(bars[i]) == in_order[i]
    with pytest.raises(LineageError, match="not the catalog's bar"):
        batch.proba(eth_btc_bars(1, start=400)[0])


def test_xgb_inplace_prediction_equals_dmatrix_prediction(trained, model_root):
    """The model's fast prediction gives bit-identical probabilities to the DMatrix route."""
    import xgboost as xgb

    from engine.models import ModelCatalog

    model, _ = ModelCatalog(model_root).load(str(trained["xgb"].ref))
    rng = np.random.default_rng(3)
    X = rng.normal(0, 50, (500, len(SMALL_FEATURES.names)))
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values go the same way
    booster = model._booster
    expected = booster.predict(xgb.DMatrix(X, nthread=1)).reshape(-1, 3).astype(np.float64)
    assert np.array_equal(model.predict_proba(X), expected)
    for i in range(0, 500, 37):  # single rows, as streaming predicts them
        assert np.array_equal(model.predict_proba(X[i : i + 1]), expected[i : i + 1])
