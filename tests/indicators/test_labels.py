"""Forward-return and triple-barrier labels against independent reference implementations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import FeatureError, forward_return_labels, triple_barrier_labels
from tests.indicators.conftest import load_feather

ETH = load_feather("ETH_BTC-5m.feather", "5min")


@settings(max_examples=25, deadline=None)
@given(
    horizon=st.integers(1, 50),
    up=st.floats(0, 0.02),
    down=st.floats(0, 0.02),
    start=st.integers(0, len(ETH) - 400),
)
def test_forward_return_labels_match_pandas_reference(horizon, up, down, start):
    bars = ETH.iloc[start : start + 400]
    got = forward_return_labels(bars, horizon, up, down)
    ret = bars["close"].shift(-horizon) / bars["close"] - 1
    want = np.select([ret > up, ret < -down], [1.0, -1.0], 0.0)
    want[ret.isna().to_numpy()] = np.nan
    np.testing.assert_array_equal(got["label"].to_numpy(), want)
    assert got["label"].iloc[-horizon:].isna().all() and got["label"].iloc[:-horizon].notna().all()
    ends = got["label_end"].dropna()
    assert (ends.to_numpy() == bars.index[horizon:].to_numpy()).all()
    assert got["label_end"].iloc[-horizon:].isna().all()


def test_volatility_scaled_thresholds_follow_recent_volatility():
    bars = ETH.iloc[:1500]
    got = forward_return_labels(bars, 6, 1.0, 1.0, vol_scaled=True, vol_window=50)
    assert got["label"].iloc[:50].isna().all()  # volatility not known yet
    sigma = np.log(bars["close"]).diff().rolling(50).std(ddof=0) * np.sqrt(6)
    ret = bars["close"].shift(-6) / bars["close"] - 1
    want = np.select([ret > sigma, ret < -sigma], [1.0, -1.0], 0.0)
    want[(ret.isna() | sigma.isna()).to_numpy()] = np.nan
    np.testing.assert_array_equal(got["label"].to_numpy(), want)
    assert set(np.unique(got["label"].dropna())) == {-1.0, 0.0, 1.0}


def _triple_barrier_reference(bars: pd.DataFrame, tp: float, sl: float, hold: int):
    c, h, lo, idx = bars["close"].to_numpy(), bars["high"].to_numpy(), bars["low"].to_numpy(), bars.index
    labels, ends = [], []
    for t in range(len(bars)):
        label, end = np.nan, pd.NaT
        for j in range(t + 1, min(t + hold, len(bars) - 1) + 1):
            if lo[j] <= c[t] * (1 - sl):
                label, end = -1.0, idx[j]
                break
            if h[j] >= c[t] * (1 + tp):
                label, end = 1.0, idx[j]
                break
        else:
            if t + hold < len(bars):
                label, end = 0.0, idx[t + hold]
        labels.append(label)
        ends.append(end)
    return np.array(labels), pd.DatetimeIndex(ends)


@settings(max_examples=15, deadline=None)
@given(
    tp=st.floats(0.001, 0.03),
    sl=st.floats(0.001, 0.03),
    hold=st.integers(1, 40),
    start=st.integers(0, len(ETH) - 300),
)
def test_triple_barrier_matches_a_plain_loop(tp, sl, hold, start):
    bars = ETH.iloc[start : start + 300]
    got = triple_barrier_labels(bars, tp, sl, hold)
    want_label, want_end = _triple_barrier_reference(bars, tp, sl, hold)
    np.testing.assert_array_equal(got["label"].to_numpy(), want_label)
    assert got["label_end"].equals(pd.Series(want_end, index=bars.index, name="label_end"))
    ends = got["label_end"].dropna()
    assert (ends > ends.index).all()
    assert (
        ends <= pd.Series(bars.index, index=bars.index).shift(-hold).reindex(ends.index).fillna(ends)
    ).all()


def test_label_errors_name_the_parameter():
    with pytest.raises(FeatureError, match="'horizon'"):
        forward_return_labels(ETH, 0, 0.01, 0.01)
    with pytest.raises(FeatureError, match="'down'"):
        forward_return_labels(ETH, 5, 0.01, -0.01)
    with pytest.raises(FeatureError, match="'stop_loss'"):
        triple_barrier_labels(ETH, 0.01, 0.0, 10)
    with pytest.raises(FeatureError, match="'max_holding'"):
        triple_barrier_labels(ETH, 0.01, 0.01, 0)
