"""``predict_row`` (one row per bar, the streaming path) equals ``predict_proba``'s rows bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import DataValidationError
from strategies.models import load_model
from strategies.models._torch import torch_threads
from tests.models.modeldata import KINDS, fast_model


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


@pytest.fixture(scope="module")
def xgb_with_unread(eth_data):
    """XGBoost trained on the real features plus two constant columns (no split can use them)."""
    X, y = eth_data
    Xc = np.column_stack([X[:, :3], np.zeros(len(X)), X[:, 3:], np.ones(len(X))])
    return fast_model("xgb").fit(Xc[:1000], y[:1000]), Xc


def _read_by_trees(model) -> set[int]:
    """Feature columns some tree node splits on, from XGBoost's own tree dump."""
    trees = model._booster.trees_to_dataframe()
    return {int(f[1:]) for f in trees["Feature"] if f != "Leaf"}


def test_xgb_used_columns_are_the_features_its_trees_split_on(trained, xgb_with_unread):
    model, X = xgb_with_unread
    used = model.used_columns
    assert used.dtype == np.intp and list(used) == sorted(_read_by_trees(model))
    assert 3 not in used and X.shape[1] - 1 not in used and len(used) >= 4
    assert list(trained["xgb"].used_columns) == sorted(_read_by_trees(trained["xgb"]))
    assert trained["mlp"].used_columns is None and trained["lstm"].used_columns is None


def test_xgb_predictions_ignore_what_the_columns_it_does_not_read_hold(xgb_with_unread, tmp_path):
    """Unread columns may hold anything, infinities included: the same probabilities, batch and
    row by row, float64 or float32; an infinity in a column the trees read is refused, named."""
    model, X = xgb_with_unread
    unread = np.setdiff1d(np.arange(X.shape[1]), model.used_columns)
    expected = model.predict_proba(X)
    rng = np.random.default_rng(3)
    for fill in (np.nan, np.inf, -np.inf, None):
        other = X.copy()
        other[:, unread] = rng.normal(size=(X.shape[0], unread.size)) * 1e6 if fill is None else fill
        assert np.array_equal(model.predict_proba(other), expected, equal_nan=True)
        assert np.array_equal(model.predict_proba(other.astype(np.float32)), expected, equal_nan=True)
        for i in range(40, 1500, 97):
            assert model.predict_row(other[i : i + 1]) == tuple(expected[i].tolist())
    read = int(model.used_columns[-1])
    bad = X.copy()
    bad[900, unread[0]] = np.inf  # earlier in column order, later in rows: not the one named
    bad[700, unread[1]] = -np.inf
    bad[800, read] = np.inf
    with pytest.raises(DataValidationError, match=f"row 800, column {read} is infinite"):
        model.predict_proba(bad)
    with pytest.raises(DataValidationError, match=f"column {read} is infinite"):
        model.predict_row(bad[800:801])
    model.save(tmp_path / "xgb")
    assert list(load_model(tmp_path / "xgb").used_columns) == list(model.used_columns)


def test_ensemble_reads_every_column_a_member_reads(trained, xgb_with_unread):
    from strategies.models import EnsembleModel

    model, _ = xgb_with_unread
    assert EnsembleModel([model, model]).used_columns.tolist() == model.used_columns.tolist()
    assert EnsembleModel([model, trained["mlp"]]).used_columns is None
