"""Warm-up analysis and look-ahead analysis on real data, with deliberately broken features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import FeatureSet, decision_lookahead, feature_lookahead, warmup_analysis
from indicators.library.registry import Kind, register_kind, unregister_kind
from indicators.library.ta import raw as talib
from indicators.library.talib_kinds import lb
from tests.indicators.conftest import load_feather

ETH = load_feather("ETH_BTC-5m.feather", "5min")
ADA = load_feather("ADA_BTC-5m.feather", "5min")


@pytest.fixture
def broken_kinds():
    """Register test-only kinds: two leaky ones and an EMA that declares no warm-up."""

    def future_return(b):
        out = np.full(len(b), np.nan)
        out[:-1] = b.close[1:] / b.close[:-1] - 1.0  # uses the NEXT close: look-ahead
        return out

    def whole_series_scaled(b):
        return b.close / b.close.max()  # normalised by the maximum of ALL data: look-ahead

    kinds = [
        Kind("leakynext", "test", (), future_return, lambda: 1, mode="pointwise", doc="leaky"),
        Kind("leakymax", "test", (), whole_series_scaled, lambda: 0, mode="pointwise", doc="leaky"),
        Kind(
            "emanowarmup",
            "test",
            (),
            lambda b: talib.EMA(b.close, 50) / b.close,
            lambda: lb("EMA", timeperiod=50),
            doc="EMA(50) with no settle declared",
        ),
    ]
    for k in kinds:
        register_kind(k)
    yield
    for k in kinds:
        unregister_kind(k.name)


@pytest.mark.parametrize("bars", [ETH, ADA], ids=["ETH_BTC", "ADA_BTC"])
def test_declared_warmup_covers_measured_need_on_real_data(bars):
    report = warmup_analysis(bars, FeatureSet.default(), tol=1e-6)
    assert report.ok, report.insufficient
    assert report.startup is not None and report.startup <= FeatureSet.default().warmup
    # Recursive indicators really do need history: EMA(100) needs far more than its lookback.
    assert report.needed["ema_100"] > 3 * FeatureSet.from_names(["ema_100"]).lookback


def test_warmup_analysis_flags_a_recursive_feature_without_enough_warmup(broken_kinds):
    fs = FeatureSet.from_names(["emanowarmup", "sma_20", "ema_20"])
    report = warmup_analysis(ETH, fs, tol=1e-6)
    assert report.insufficient == ["emanowarmup"]
    assert report.needed["emanowarmup"] > fs.features[0].warmup
    assert report.needed["sma_20"] == fs.features[1].lookback  # non-recursive: lookback is enough
    # A looser tolerance needs fewer startup bars.
    assert warmup_analysis(ETH, fs, tol=1e-3).needed["ema_20"] < report.needed["ema_20"]


def test_feature_library_has_no_lookahead():
    report = feature_lookahead(ETH.iloc[:2500], FeatureSet.default(), n_samples=8, seed=1)
    assert report.ok, report.biased
    assert len(report.cut_times) == 8


def test_leaky_features_are_caught(broken_kinds):
    fs = FeatureSet.from_names(["rsi_14", "leakynext", "ema_10", "leakymax", "mtflogret_60_1"])
    report = feature_lookahead(ETH.iloc[:1500], fs, n_samples=5, seed=3)
    assert not report.ok
    assert report.biased == ["leakynext", "leakymax"]
    assert set(report.first_changed) == {"leakynext", "leakymax"}


def _sma_signal(bars: pd.DataFrame) -> pd.Series:
    sma = bars["close"].rolling(20).mean()
    return np.sign(bars["close"] - sma).where(sma.notna()).iloc[::7]  # decides every 7th bar


def _peeking_signal(bars: pd.DataFrame) -> pd.Series:
    return np.sign(bars["close"].shift(-3) - bars["close"]).iloc[::7]  # trades on the price 3 bars ahead


def test_decision_lookahead_passes_a_causal_decision_function():
    report = decision_lookahead(ETH.iloc[:1000], _sma_signal, n_samples=15, seed=0)
    assert report.ok and len(report.cut_times) == 15


def test_decision_lookahead_catches_a_peeking_decision_function():
    report = decision_lookahead(ETH.iloc[:1000], _peeking_signal, n_samples=15, seed=0)
    assert not report.ok
    assert len(report.biased_times) == 15  # the newest decision always changes when cut


def test_labels_never_reach_features():
    """Features at t are the same whatever happens after t; the labels at t are not."""
    from indicators import compute_features, forward_return_labels

    fs = FeatureSet.from_names(["rsi_14", "ema_20", "logret_1", "mtflogret_60_1", "cdl_doji"])
    bars = ETH.iloc[:800]
    t = 600
    changed = bars.copy()
    changed.iloc[t + 1 :, :4] *= 1.5  # a different future
    feats, feats2 = compute_features(bars, fs), compute_features(changed, fs)
    pd.testing.assert_frame_equal(feats.iloc[: t + 1], feats2.iloc[: t + 1])
    labels, labels2 = (
        forward_return_labels(bars, 5, 0.001, 0.001),
        forward_return_labels(changed, 5, 0.001, 0.001),
    )
    assert (labels["label"].iloc[t - 4 : t + 1] != labels2["label"].iloc[t - 4 : t + 1]).any()
    assert not set(labels.columns) & set(feats.columns)
