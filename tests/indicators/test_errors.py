"""Bad input raises FeatureError (a LineageError) naming the row/feature and the problem."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from engine.errors import LineageError
from indicators import FeatureError, FeatureSet, StreamingFeatures, compute_features
from tests.indicators.conftest import load_feather

ETH = load_feather("ETH_BTC-5m.feather", "5min").iloc[:300]
FS = FeatureSet.from_names(["rsi_14", "sma_50", "logret_1"])


def test_feature_error_is_a_lineage_error():
    assert issubclass(FeatureError, LineageError)


def test_too_short_input_names_the_feature():
    with pytest.raises(FeatureError, match=r"49 bars is too short for feature 'sma_50'.*lookback of 49"):
        compute_features(ETH.iloc[:49], FS)
    first = ETH.iloc[:50]
    assert compute_features(first, FS)["sma_50"].iloc[-1] == pytest.approx(
        first["close"].iloc[-1] / first["close"].mean() - 1, rel=1e-9
    )


def test_nan_inside_input_names_row_and_field():
    bad = ETH.copy()
    bad.iloc[123, bad.columns.get_loc("high")] = np.nan
    with pytest.raises(FeatureError, match=re.escape(f"row 123 (ts={bad.index[123]}), field 'high'")):
        compute_features(bad, FS)


def test_non_monotonic_index_names_row():
    bad = ETH.iloc[[*range(100), 101, 100, *range(102, 300)]]
    with pytest.raises(FeatureError, match=r"row 101 .*strictly increasing"):
        compute_features(bad, FS)
    dup = ETH.iloc[[*range(100), 99, *range(100, 300)]]
    with pytest.raises(FeatureError, match="row 100"):
        compute_features(dup, FS)


def test_index_and_columns_are_checked():
    with pytest.raises(FeatureError, match="UTC DatetimeIndex"):
        compute_features(ETH.tz_convert(None), FS)
    with pytest.raises(FeatureError, match=r"missing column\(s\) \['volume'\]"):
        compute_features(ETH.drop(columns="volume"), FS)
    with pytest.raises(FeatureError, match="DataFrame"):
        compute_features(ETH.to_numpy(), FS)


def test_streaming_rejects_nan_and_time_going_backwards():
    s = StreamingFeatures(FS)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    s.update(t0, 1.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(FeatureError, match="field 'close'"):
        s.update(t0 + pd.Timedelta("1min"), 1.0, 1.0, 1.0, float("nan"), 1.0)
    with pytest.raises(FeatureError, match="not after previous ts"):
        s.update(t0, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert s.count == 1
