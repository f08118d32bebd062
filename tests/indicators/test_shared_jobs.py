"""Shared core calls, grouped post steps and per-kind blocks: faster, and still bit-equal to batch."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import FeatureSet, compute_features
from indicators.batch import column_matrix
from indicators.library.registry import Kind, Param, register_kind, unregister_kind
from indicators.library.ta import raw as talib
from indicators.plan import plan_jobs
from indicators.spec import MIN_BLOCK, FeatureSpec
from tests.indicators.conftest import load_feather, stream_all

ETH = load_feather("ETH_BTC-5m.feather", "5min")
CALLS = {"n": 0}


def _counted_macd(b, f, s, g):
    CALLS["n"] += 1
    return talib.MACD(b.close, f, s, g)


def _scaled(b, x, factor):
    """A post step that reads its parameter: grouping must keep each feature's own value."""
    return x * factor + b.close


@pytest.fixture
def test_kinds():
    p = (Param("factor", int, 1),)
    for i, name in enumerate(("tmacdline", "tmacdsignal")):
        register_kind(
            Kind(
                name,
                "test",
                p,
                lambda b, k: _counted_macd(b, 12, 26, 9),
                lambda k: 33,
                settle=lambda k: 200,
                output=i,
                post=_scaled,
                family="smacd",  # same anchors as the shared pair; separate core objects
            )
        )
    # the lambda above is one object per kind: these two share one core object (and family)
    shared = lambda b, k: _counted_macd(b, 12, 26, 9)  # noqa: E731
    for i, name in enumerate(("smacdline", "smacdsignal")):
        register_kind(
            Kind(
                name,
                "test",
                p,
                shared,
                lambda k: 33,
                settle=lambda k: 200,
                output=i,
                post=_scaled,
                family="smacd",
            )
        )
    yield
    for name in ("tmacdline", "tmacdsignal", "smacdline", "smacdsignal"):
        unregister_kind(name)


def test_default_set_shares_multi_output_calls():
    fs = FeatureSet.default()
    jobs = plan_jobs(fs)
    shared = {tuple(sorted(fs.names[m.column] for m in j.members)) for j in jobs if len(j.members) > 1}
    assert ("macd_12_26_9", "macdhist_12_26_9", "macdsignal_12_26_9") in shared
    assert ("bbpctb_20_2", "bbwidth_20_2") in shared and ("htinphase", "htquadrature") in shared
    assert ("stochd_14_3_3", "stochk_14_3_3") in shared and ("aroondown_14", "aroonup_14") in shared
    assert sorted(m.column for j in jobs for m in j.members) == list(range(len(fs.names)))


def test_shared_core_runs_once_per_bar_and_matches_unshared(test_kinds):
    bars = ETH.iloc[:700]
    names = ["smacdline_2", "smacdsignal_2", "tmacdline_2", "tmacdsignal_2"]
    fs = FeatureSet.from_names(names)
    assert [len(j.members) for j in plan_jobs(fs)] == [2, 1, 1]
    warm = len(bars) - fs.warmup
    CALLS["n"] = 0
    streamed = stream_all(fs, bars)
    assert CALLS["n"] == 3 * warm  # one call for the shared pair, one each for the unshared kinds
    batch = compute_features(bars, fs).to_numpy()
    np.testing.assert_array_equal(streamed, batch)
    # shared and unshared give the same numbers, each with its own post parameter
    np.testing.assert_array_equal(batch[:, :2], batch[:, 2:])
    fs2 = FeatureSet.from_names(["smacdline_2", "smacdline_5"])
    two = stream_all(fs2, bars)[fs.warmup :]
    assert not np.array_equal(two[:, 0], two[:, 1])
    np.testing.assert_array_equal(two[:, 0], batch[fs.warmup :, 0])


def test_costly_short_warmup_kinds_use_smaller_blocks():
    assert FeatureSpec.parse("cdl_doji").block == 512
    assert FeatureSpec.parse("cci_14").block == 1024 and FeatureSpec.parse("obvslope_10").block == 1024
    assert FeatureSpec.parse("sma_10").block == MIN_BLOCK
    assert FeatureSpec.parse("adx_28").block == 4 * FeatureSpec.parse("adx_28").warmup


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_small_block_kinds_agree_bitwise_across_many_blocks(data):
    names = data.draw(
        st.lists(
            st.sampled_from(
                [
                    "cdl_doji",
                    "cdl_engulfing",
                    "cdl_hammer",
                    "cci_20",
                    "obvslope_10",
                    "macd_12_26_9",
                    "bbwidth_20_2",
                ]
            ),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    fs = FeatureSet.from_names(names)
    length = data.draw(st.integers(fs.lookback + 1, min(len(ETH), 2600)))
    start = data.draw(st.integers(0, len(ETH) - length))
    window = ETH.iloc[start : start + length]
    streamed, batch = stream_all(fs, window), compute_features(window, fs).to_numpy()
    assert ((streamed == batch) | (np.isnan(streamed) & np.isnan(batch))).all()


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(FeatureSet.default().names), offset=st.integers(0, 20_000))
def test_anchor_keeps_the_window_between_warmup_and_warmup_plus_block(name, offset):
    f = FeatureSpec.parse(name)
    if f.kind_def.mode != "anchored":
        assert f.phase == 0
        return
    t = f.warmup + offset
    a = f.anchor(t)
    assert 0 <= f.phase < f.block
    assert a == 0 or (a - f.phase) % f.block == 0
    assert f.warmup <= t - a < f.warmup + f.block
    assert f.anchor(t + 1) in (a, t + 1 - f.warmup)  # the anchor only moves to start a new block


def test_features_sharing_a_core_share_the_anchor_phase():
    for family in (
        ["macd_12_26_9", "macdsignal_12_26_9", "macdhist_12_26_9"],
        ["bbpctb_20_2", "bbwidth_20_2"],
    ):
        assert len({FeatureSpec.parse(n).phase for n in family}) == 1
    phases = {FeatureSpec.parse(n).phase for n in FeatureSet.default().names if n.startswith("cdl_")}
    assert len(phases) > 20  # candlestick windows peak on different bars


@pytest.mark.parametrize(("rows", "columns"), [(0, 5), (3, 0), (1, 1), (300, 143), (10_000, 7)])
def test_column_matrix_is_a_writable_float64_matrix_of_contiguous_columns(rows: int, columns: int) -> None:
    matrix = column_matrix(rows, columns)
    assert matrix.shape == (rows, columns) and matrix.dtype == np.float64
    assert matrix.flags.f_contiguous and matrix.flags.writeable
    values = np.arange(rows * columns, dtype=np.float64).reshape(rows, columns)
    matrix[:] = values
    assert np.array_equal(matrix, values)


def test_batch_features_survive_the_matrix_they_were_computed_in() -> None:
    """The frame ``compute_features`` returns keeps its memory alive (the map is not released
    under the values when the function returns)."""
    frame = compute_features(ETH.iloc[:3000], FeatureSet.default())
    gc.collect()
    clutter = [np.ones(3000 * 143) for _ in range(4)]  # reuses any memory released too early
    again = compute_features(ETH.iloc[:3000], FeatureSet.default())
    assert frame.equals(again) and len(clutter) == 4
