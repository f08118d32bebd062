"""Down-sampling keeps every bucket's extremes (so drawdowns stay visible) within the budget."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.reports import downsample, minmax_indices

values_st = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=3000).map(np.array)


@settings(max_examples=60, deadline=None)
@given(values=values_st, max_points=st.integers(4, 400))
def test_minmax_keeps_extremes_in_budget_and_order(values: np.ndarray, max_points: int) -> None:
    keep = minmax_indices(values, max_points)
    assert len(keep) <= max(max_points, 0) or len(values) <= max_points
    assert np.all(np.diff(keep) > 0)  # strictly increasing: order kept, no duplicates
    if len(values):
        assert keep[0] == 0 and keep[-1] == len(values) - 1
        assert values[keep].min() == values.min()
        assert values[keep].max() == values.max()
    if len(values) <= max_points:
        assert len(keep) == len(values)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 5000), max_points=st.integers(20, 200))
def test_every_bucket_extreme_survives(seed: int, n: int, max_points: int) -> None:
    values = np.cumsum(np.random.default_rng(seed).standard_normal(n))  # a random walk, like prices
    keep = set(minmax_indices(values, max_points).tolist())
    edges = np.linspace(1, len(values) - 1, (max_points - 2) // 2 + 1).astype(int)
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            chunk = values[lo:hi]
            assert any(lo + i in keep for i in np.flatnonzero(chunk == chunk.min()))
            assert any(lo + i in keep for i in np.flatnonzero(chunk == chunk.max()))


def test_series_downsample_keeps_the_deepest_drawdown_of_real_prices() -> None:
    from tests.reports.runfixture import eth_btc_close

    close = eth_btc_close()
    small = downsample(close, 300)
    assert len(small) <= 300 < len(close)
    assert small.index.is_monotonic_increasing and small.index.isin(close.index).all()
    assert small.min() == close.min() and small.idxmin() == close.idxmin()
    assert small.max() == close.max()
    dd = close / close.cummax() - 1
    assert (downsample(dd, 300).min()) == dd.min()


def test_short_series_and_nans_pass_through() -> None:
    s = pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2020", periods=3, tz="UTC"))
    assert downsample(s, 10).equals(s)
    keep = minmax_indices(np.array([np.nan] * 50 + [5.0] * 50), 10)
    assert len(keep) <= 10
