"""``predict_row`` (one row per bar, the streaming path) equals ``predict_proba``'s rows bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from modeldata import KINDS

from engine.errors import DataValidationError
from strategies.models import load_model
from strategies.models._torch import torch_threads


def _rows_alone(model, X: np.ndarray, rows: range) -> list[tuple[float, ...]]:
    w = model.window
    return [model.predict_row(np.ascontiguousarray(X[i - w + 1 : i + 1])) for i in rows]


@pytest.mark.parametrize("kind", KINDS)
def test_predict_row_is_predict_proba_row_bit_for_bit(kind, trained, eth_data, tmp_path):
    X, _ = eth_data
    model = trained[kind]
    rows = range(40, 1500, 7)  # NaN warm-up rows early on, then real rows
    batch = model.predict_proba(X)
    expected = [tuple(batch[i].tolist()) for i in rows]
    got = _rows_alone(model, X, rows)
    assert got == expected
    assert all(type(v) is float for p in got for v in p)
    model.save(tmp_path / kind)  # and after a save/load round trip
    assert _rows_alone(load_model(tmp_path / kind), X, rows) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_predict_row_history_too_short_and_bad_input(kind, trained, eth_data):
    X, _ = eth_data
    model = trained[kind]
    if model.window > 1:
        assert np.isnan(model.predict_row(X[100 : 100 + model.window - 1])).all()
    bad = X[500 : 500 + model.window].copy()
    bad[-1, 2] = np.inf
    with pytest.raises(DataValidationError, match="infinite"):
        model.predict_row(bad)
    with pytest.raises(DataValidationError, match="feature columns"):
        model.predict_row(np.ascontiguousarray(X[500 : 500 + model.window, :-1]))


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
def test_torch_predict_row_leaves_global_state_alone(kind, trained, eth_data):
    X, _ = eth_data
    model = trained[kind]
    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    rng_state = torch.random.get_rng_state()
    model.predict_row(X[600 - model.window : 600])
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == det
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    with torch_threads(threads + 1):
        assert torch.get_num_threads() == threads + 1
    assert torch.get_num_threads() == threads


def test_xgb_reads_column_major_features_as_is(trained, eth_data):
    """The fast path hands XGBoost the column-major feature matrix: same floats as row-major."""
    X, _ = eth_data
    model = trained["xgb"]
    F = np.asfortranarray(X)
    assert F.flags.f_contiguous and not F.flags.c_contiguous
    assert np.array_equal(model.predict_proba(F), model.predict_proba(np.ascontiguousarray(X)))


def test_xgb_row_predictor_equals_its_public_fallback(trained, eth_data):
    """Another xgboost without the private entry points falls back to ``inplace_predict``: same floats."""
    X, _ = eth_data
    model = trained["xgb"]
    for i in range(40, 1500, 37):
        row = np.ascontiguousarray(X[i])
        fast = model.predict_row(X[i : i + 1])
        assert fast == model._public_row_predictor(row)
    assert model._row_predictor != model._public_row_predictor  # the fast path was the one tested
