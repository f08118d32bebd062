"""The fast path's per-bar shortcuts behave like the originals: probability text (one row and
precomputed rows), vectorised signals, direct ModelDecision construction, batch lookup and steps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.model.identifiers import InstrumentId

from engine.errors import DataValidationError, LineageError
from engine.events import ModelDecision, decision_factory, encode_float_rows, encode_floats, encode_json
from engine.recording.canonical import IdMapper, canonical_event_bytes
from indicators import FeatureSet, compute_features
from indicators.library.registry import Kind, register_kind, unregister_kind
from strategies.ml.decision import signal, signals
from strategies.ml.inputs import BatchInputs, StreamingInputs
from strategies.models.base import check_X, first_infinite
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
    frame = _frame(bars)
    for column in frame.columns:  # the right time but one field changed: refused too
        changed = frame.copy()
        changed.iloc[200, changed.columns.get_loc(column)] *= 1.001
        with pytest.raises(LineageError, match="not the catalog's bar"):
            BatchInputs(changed, SMALL_FEATURES, model, SMALL_FEATURES.warmup).proba(bars[200])


def test_batch_from_source_bars_takes_them_by_identity_and_checks_anything_else():
    """Built from the engine's own Bar objects (``sources``), the batch takes the next source bar
    as its row without reading it; equal bars that are other objects are checked by value, and
    foreign bars are still refused."""
    bars = eth_btc_bars(300)
    model = AlwaysBuy().fit([[0.0] * len(SMALL_FEATURES.names)], [1.0])
    plain = BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup)
    expected = [plain.proba(b) for b in bars]
    sourced = BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup, sources=bars)
    assert [sourced.proba(b) for b in bars] == expected
    copies = BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup, sources=bars)
    assert [copies.proba(b) for b in eth_btc_bars(300)] == expected  # equal values, other objects
    with pytest.raises(LineageError, match="not the catalog's bar"):
        sourced.proba(eth_btc_bars(1, start=400)[0])
    with pytest.raises(ValueError, match="expected one per row"):
        BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup, sources=bars[1:])


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


def test_xgb_reads_float32_features_as_it_reads_float64_ones(trained, model_root):
    """XGBoost rounds inputs to float32 itself, so a float32 matrix (column-major, as the fast
    path stores features) gives bit-identical probabilities; other models keep float64."""
    from engine.models import ModelCatalog

    model, _ = ModelCatalog(model_root).load(str(trained["xgb"].ref))
    assert model.input_dtype == np.float32
    rng = np.random.default_rng(5)
    X = rng.normal(0, 50, (2000, len(SMALL_FEATURES.names))) * np.exp(rng.normal(0, 3, (2000, 1)))
    X[rng.random(X.shape) < 0.05] = np.nan
    X32 = np.asfortranarray(X, dtype=np.float32)
    assert np.array_equal(model.predict_proba(X32), model.predict_proba(X), equal_nan=True)
    for kind in ("mlp", "lstm"):
        assert ModelCatalog(model_root).load(str(trained[kind].ref))[0].input_dtype == np.float64


def test_float32_fast_path_redoes_features_beyond_float32_range_in_float64():
    """A user's feature kind may give values finite in float64 but beyond float32's range: in a
    float32 matrix they would become inf and be refused, so the batch is redone in float64 and the
    fast path gives exactly what the streaming path (float64 rows) gives."""
    from strategies.models import XGBoostModel

    register_kind(Kind("hugeclose", "test", (), lambda b: b.close * 1e40, lambda: 0, mode="pointwise"))
    try:
        fs = FeatureSet.from_names([*SMALL_FEATURES.names, "hugeclose"])
        bars = eth_btc_bars(900)  # 628 rows after the warm-up
        feats = compute_features(_frame(bars), fs).to_numpy()[fs.warmup :]
        with np.errstate(over="ignore"):
            assert np.isfinite(feats[:, -1]).all() and np.isinf(feats[:, -1].astype(np.float32)).all()
        # trained where the feature is small (XGBoost refuses to train on such values, but
        # predicts on them as if infinite)
        X = np.column_stack([feats[:, :-1], feats[:, -1] * 1e-40])
        # labels the trees learn from it and from RSI (so predictions still vary where it is huge)
        above = [np.sign(c - np.median(c)) for c in (feats[:, -1], feats[:, 2])]
        y = np.clip(above[0] + above[1], -1, 1)
        model = XGBoostModel(n_estimators=5, max_depth=2).fit(X, y)
        assert {2, len(fs.names) - 1} <= set(
            model.used_columns
        )  # the trees read it: the fast path computes it
        batch = BatchInputs(_frame(bars), fs, model, fs.warmup)
        stream = StreamingInputs(fs, model, fs.warmup)
        got = [batch.proba(b) for b in bars]
        assert got == [stream.proba(b) for b in bars] and len(set(got[fs.warmup :])) > 1
    finally:
        unregister_kind("hugeclose")


def test_fast_path_skips_features_the_model_does_not_read_and_refuses_infinities_as_streaming_does():
    """The batch computes only ``used_columns``: a feature the trees never read may even be
    infinite and both paths give the same probabilities; once the trees read it, both refuse."""
    from strategies.models import XGBoostModel

    bars = eth_btc_bars(900)  # 628 rows after the warm-up
    level = float(np.median([b.close.as_double() for b in bars[SMALL_FEATURES.warmup :]]))
    register_kind(
        Kind(
            "infabove",
            "test",
            (),
            lambda b: np.where(b.close >= level, np.inf, 1.0),
            lambda: 0,
            mode="pointwise",
        )
    )
    try:
        fs = FeatureSet.from_names([*SMALL_FEATURES.names, "infabove"])
        feats = compute_features(_frame(bars), fs).to_numpy()[fs.warmup :]
        assert np.isinf(feats[:, -1]).any() and np.isfinite(feats[:, :-1]).all()
        y = np.sign(feats[:, 0] - np.median(feats[:, 0]))
        X = feats.copy()
        X[:, -1] = 0.0  # constant in training: no tree splits on it
        unread = XGBoostModel(n_estimators=5, max_depth=2).fit(X, y)
        assert len(fs.names) - 1 not in unread.used_columns
        batch = BatchInputs(_frame(bars), fs, unread, fs.warmup)
        stream = StreamingInputs(fs, unread, fs.warmup)
        got = [batch.proba(b) for b in bars]
        assert got == [stream.proba(b) for b in bars] and len(set(got[fs.warmup :])) > 1
        X[:, -1] = np.isinf(feats[:, -1])  # now it predicts the label: the trees read it
        read = XGBoostModel(n_estimators=5, max_depth=2).fit(X, np.where(X[:, -1] > 0, 1.0, -1.0))
        assert len(fs.names) - 1 in read.used_columns
        column = f"column {len(fs.names) - 1} is infinite"
        with pytest.raises(DataValidationError, match=column):
            BatchInputs(_frame(bars), fs, read, fs.warmup)
        stream = StreamingInputs(fs, read, fs.warmup)
        with pytest.raises(DataValidationError, match=column):
            for b in bars:
                stream.proba(b)
    finally:
        unregister_kind("infabove")


def test_model_input_checks_find_the_first_infinity_in_row_order_across_blocks():
    X = np.zeros((70_000, 4), dtype=np.float32, order="F")
    X[69_999, 0] = np.inf
    X[40_000, 3] = -np.inf
    assert first_infinite(X) == (40_000, 3)
    with pytest.raises(DataValidationError, match="row 40000, column 3 is infinite"):
        check_X(X, 4, float32_ok=True)
    assert first_infinite(np.zeros((5, 2))) is None
    assert first_infinite(X, np.array([0, 1])) == (69_999, 0)  # among the columns asked for
    assert first_infinite(X, np.array([1, 2])) is None
    assert check_X(X[:10], 4, float32_ok=True).dtype == np.float32
    assert check_X(X[:10], 4).dtype == np.float64  # float32 only where the model reads it


_ROW_FLOATS = (
    st.floats()  # any double, NaN and infinities included
    | st.floats(1e-4, 1.0)
    | st.floats(width=32).map(lambda x: float(np.float32(x)))
    | st.sampled_from([0.0, -0.0, 1e-4, float(np.nextafter(1e-4, 0)), 1e16, float(np.nextafter(1e16, 0))])
)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 5).flatmap(
        lambda width: st.tuples(
            st.just(width), st.lists(st.lists(_ROW_FLOATS, min_size=width, max_size=width), max_size=6)
        )
    )
)
def test_encode_float_rows_is_encode_floats_per_row(case: tuple[int, list[list[float]]]) -> None:
    """Any row width (each row's end is found by counting commas), any doubles."""
    width, rows = case
    arr = np.array(rows, dtype=np.float64).reshape(len(rows), width)
    assert encode_float_rows(arr) == [encode_floats(r) for r in arr.tolist()]


def test_encode_float_rows_on_a_million_probabilities():
    """Model-like rows (float32 probabilities, tiny ones included) and random doubles near the
    notation boundaries: every text equals ``encode_floats``'."""
    rng = np.random.default_rng(11)
    p = rng.dirichlet([0.3, 1.0, 0.3], 500_000).astype(np.float32).astype(np.float64)
    wide = np.exp(rng.uniform(np.log(1e-6), np.log(1e17), (500_000, 3)))
    for arr in (p, wide):
        assert encode_float_rows(arr) == [encode_floats(r) for r in arr.tolist()]


_PROBA = st.floats(0.0, 1.0) | st.sampled_from([0.3, 0.45, 0.5, float("nan")])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_PROBA, _PROBA, _PROBA), max_size=20),
    st.sampled_from([0.3, 0.45, 0.5]) | st.floats(0.01, 0.99),
)
def test_vectorised_signals_equal_signal_per_row(rows, threshold) -> None:
    arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
    names, confidences = signals(arr, threshold)
    expected = [signal(r, threshold) for r in arr.tolist()]
    assert names == [e[0] for e in expected]
    assert np.array_equal(np.array(confidences), np.array([e[1] for e in expected]), equal_nan=True)
    assert all(type(c) is float for c in confidences)


@settings(max_examples=100, deadline=None)
@given(
    ts=st.integers(0, 2**63 - 1),
    text=st.text(max_size=40),
    action=st.sampled_from(["buy:signal", "hold:flat", "sell:paused"]),
    confidence=st.floats(allow_nan=False),
)
def test_decision_factory_builds_what_the_constructor_builds(ts, text, action, confidence) -> None:
    iid = InstrumentId.from_str("ETHBTC.SIM")
    fixed = {"model_id": "m:3", "artifact_hash": "a" * 64, "feature_digest": "f" * 64}
    made = decision_factory(**fixed, instrument_id=iid)(ts, text, action, confidence)
    built = ModelDecision(
        ts_event=ts,
        ts_init=ts,
        **fixed,
        probabilities=text,
        action=action,
        confidence=confidence,
        instrument_id=iid,
    )
    assert type(made) is ModelDecision
    assert list(made.__dict__.items()) == list(built.__dict__.items())  # same attributes, same order
    assert made.to_dict() == built.to_dict() and (made.ts_event, made.ts_init) == (ts, ts)
    assert canonical_event_bytes(made, IdMapper()) == canonical_event_bytes(built, IdMapper())


def test_batch_steps_equal_streaming_steps_with_a_trained_model(trained, model_root):
    """What a ModelDecision takes from a bar (text, signal, confidence): batch == streaming, real bars."""
    from engine.models import ModelCatalog

    bars = eth_btc_bars(600)
    for kind in ("xgb", "mlp"):
        model, _ = ModelCatalog(model_root).load(str(trained[kind].ref))
        seen = set()
        for threshold in (0.35, 0.5):
            batch = BatchInputs(_frame(bars), SMALL_FEATURES, model, SMALL_FEATURES.warmup, threshold)
            stream = StreamingInputs(SMALL_FEATURES, model, SMALL_FEATURES.warmup, threshold)
            steps = [batch.step(b) for b in bars]
            assert steps == [stream.step(b) for b in bars]
            decided = [s for s in steps if s is not None]
            assert len(decided) == len(bars) - SMALL_FEATURES.warmup
            seen |= {s[1] for s in decided}
        assert len(seen) > 1  # the comparison covered more than one kind of signal
