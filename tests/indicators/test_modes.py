"""Batch and streaming give the same answer on real data; NaN before warm-up in both."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import FeatureSet, StreamingFeatures, compute_features, feature_matrix
from indicators.errors import FeatureError
from tests.indicators.conftest import load_feather, stream_all

DEFAULT = FeatureSet.default()
ETH = load_feather("ETH_BTC-5m.feather", "5min")
ADA = load_feather("ADA_BTC-5m.feather", "5min")  # has gaps


def assert_agree(streamed: np.ndarray, batch: np.ndarray, names: list[str]) -> None:
    """Same NaN pattern and values within 1e-9 relative, per feature (name in the message)."""
    for j, name in enumerate(names):
        np.testing.assert_allclose(
            streamed[:, j], batch[:, j], rtol=1e-9, atol=0, equal_nan=True, err_msg=name
        )


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_full_default_set_streaming_equals_batch_on_random_windows(data):
    bars = data.draw(st.sampled_from([ETH, ADA]))
    length = data.draw(st.integers(DEFAULT.lookback + 1, 1700))
    start = data.draw(st.integers(0, len(bars) - length))
    window = bars.iloc[start : start + length]
    batch = compute_features(window, DEFAULT)
    assert list(batch.columns) == DEFAULT.names and batch.index.equals(window.index)
    assert (batch.dtypes == np.float64).all()
    assert_agree(stream_all(DEFAULT, window), batch.to_numpy(), DEFAULT.names)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_feature_subsets_streaming_equals_batch(data):
    names = data.draw(st.lists(st.sampled_from(DEFAULT.names), min_size=1, max_size=8, unique=True))
    fs = FeatureSet.from_names(names)
    bars = data.draw(st.sampled_from([ETH, ADA]))
    longest = fs.warmup + 2 * max(f.block for f in fs.features)
    length = data.draw(st.integers(fs.lookback + 1, min(len(bars), longest)))
    start = data.draw(st.integers(0, len(bars) - length))
    window = bars.iloc[start : start + length]
    streamed, batch = stream_all(fs, window), compute_features(window, fs).to_numpy()
    assert_agree(streamed, batch, fs.names)
    # Stronger than the contract: both modes run the same computation on the same rows.
    assert ((streamed == batch) | (np.isnan(streamed) & np.isnan(batch))).all()


def test_nan_before_warmup_and_values_after_it():
    window = ETH.iloc[:2000]
    batch = compute_features(window, DEFAULT).to_numpy()
    for j, f in enumerate(DEFAULT.features):
        assert np.isnan(batch[: f.warmup, j]).all(), f.name
        # The 5-minute data fills every higher-timeframe window well before the declared warm-up.
        assert np.isfinite(batch[f.warmup :, j]).mean() > 0.95, f.name
    assert StreamingFeatures(DEFAULT).warmup == DEFAULT.warmup  # streaming NaNs: see the agreement tests


def test_streaming_memory_is_bounded_and_matches_batch_across_many_blocks():
    fs = FeatureSet.from_names(["ema_10", "rsi_7", "sma_10", "cdl_doji", "mtflogret_60_1", "logret_1"])
    s = StreamingFeatures(fs)
    assert s.capacity == max(f.warmup + f.block for f in fs.features if f.kind_def.mode == "anchored")
    n = min(len(ETH), 5 * s.capacity)
    assert n > 2 * s.capacity  # the 2 x capacity buffer wraps at least once
    rows = [s.update(ts, *row) for ts, row in zip(ETH.index[:n], ETH.to_numpy()[:n], strict=True)]
    assert s.count == n and s._buf.shape[1] == 2 * s.capacity  # preallocated; never grows
    np.testing.assert_array_equal(np.array(rows), compute_features(ETH.iloc[:n], fs).to_numpy())


@pytest.mark.parametrize("name", ["mtflogret_60_1", "mtflogret_60_4", "mtfsmaratio_60_12", "mtfrangepos_60"])
def test_multi_timeframe_values_only_use_closed_higher_timeframe_bars(btc_1m_bars, name):
    """Independent check with pandas: an hourly bar ending at E is visible from rows with ts >= E."""
    import pandas as pd

    bars = btc_1m_bars
    fs = FeatureSet.from_names([name])
    got = compute_features(bars, fs)[name]
    hourly = (
        bars.resample("60min", closed="right", label="right")
        .agg({"open": "first", "high": "max", "low": "min", "close": "last"})
        .dropna()
    )
    k = int(name.split("_")[2]) if name.count("_") == 2 else 1
    if name.startswith("mtflogret"):
        htf = np.log(hourly["close"] / hourly["close"].shift(k))
    elif name.startswith("mtfsmaratio"):
        htf = hourly["close"].rolling(k).mean()
    else:
        htf = hourly[["high", "low"]]
    aligned = pd.merge_asof(
        pd.DataFrame({"ts": bars.index, "close": bars["close"].to_numpy()}),
        pd.DataFrame(htf if isinstance(htf, pd.DataFrame) else {"v": htf}).rename_axis("ts").reset_index(),
        on="ts",
        direction="backward",
        allow_exact_matches=True,
    ).set_index("ts")
    if name.startswith("mtflogret"):
        want = aligned["v"]
    elif name.startswith("mtfsmaratio"):
        want = aligned["close"] / aligned["v"] - 1
    else:
        want = (aligned["close"] - aligned["low"]) / (aligned["high"] - aligned["low"])
    rows = slice(fs.warmup, None)
    np.testing.assert_allclose(got.to_numpy()[rows], want.to_numpy()[rows], rtol=1e-12, equal_nan=True)
    # The hourly value changes only on rows that close an hour.
    if name.startswith("mtflogret"):
        changed = got.diff().fillna(0).to_numpy()[rows] != 0
        assert (bars.index[rows][changed].minute == 0).all()


def test_float32_features_are_the_float64_ones_rounded():
    """``dtype=np.float32`` stores each value of the float64 computation rounded to nearest (what
    a model reading float32 does itself), in the same column-major layout; other dtypes refused."""
    bars = ADA.iloc[:3000]
    full = compute_features(bars, DEFAULT).to_numpy()
    half = compute_features(bars, DEFAULT, dtype=np.float32).to_numpy()
    assert half.dtype == np.float32 and half.flags.f_contiguous
    np.testing.assert_array_equal(half, full.astype(np.float32))
    with pytest.raises(FeatureError, match=r"expected numpy\.float64 or numpy\.float32"):
        compute_features(bars, DEFAULT, dtype=np.float16)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    columns=st.sets(st.integers(0, len(DEFAULT.names) - 1)), dtype=st.sampled_from([np.float64, np.float32])
)
def test_feature_matrix_computes_only_the_columns_asked_for(columns, dtype):
    """Listed columns are exactly ``compute_features``' (features sharing a core, e.g. MACD's
    outputs, included or not independently); every other column is 0.0, not computed."""
    bars = ADA.iloc[:1500]
    full = compute_features(bars, DEFAULT, dtype=dtype).to_numpy()
    got = feature_matrix(bars, DEFAULT, dtype, columns)
    assert got.dtype == dtype and got.flags.f_contiguous and got.shape == full.shape
    listed = sorted(columns)
    np.testing.assert_array_equal(got[:, listed], full[:, listed])
    others = [j for j in range(full.shape[1]) if j not in columns]
    assert (got[:, others] == 0).all()
    np.testing.assert_array_equal(feature_matrix(bars, DEFAULT, dtype), full)


def test_feature_matrix_refuses_columns_outside_the_feature_set():
    width = len(DEFAULT.names)
    with pytest.raises(
        FeatureError, match=rf"feature columns \[-1, {width}\]: expected indices in \[0, {width}\)"
    ):
        feature_matrix(ADA.iloc[:1500], DEFAULT, np.float64, [0, -1, width])
