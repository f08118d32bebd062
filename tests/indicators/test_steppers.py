"""Steppers (exact incremental cores): equal to their core bit for bit, and what streaming runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import FeatureSet, StreamingFeatures, compute_features
from indicators.bars import validate_bars
from indicators.library.registry import Kind, Param, register_kind, unregister_kind
from indicators.library.steppers import HANDLES, InsufficientHistory, ta
from indicators.library.ta import raw as talib
from indicators.plan import plan_jobs
from tests.indicators.conftest import load_btc_1m, load_feather, stream_all

DEFAULT = FeatureSet.default()
DATA = {
    "eth": load_feather("ETH_BTC-5m.feather", "5min"),
    "ada": load_feather("ADA_BTC-5m.feather", "5min"),  # has gaps
    "btc1m": load_btc_1m(4000),
}
STEPPED = [f for f in DEFAULT.features if f.kind_def.mode != "mtf"]


def _bits(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).view(np.int64)


@pytest.mark.skipif(not HANDLES, reason="this TA-Lib has no streaming handles (ta-lib-python < 0.8)")
def test_every_default_non_mtf_kind_has_a_stepper_so_streaming_reruns_no_window():
    assert all(f.kind_def.stepper is not None for f in STEPPED)
    s = StreamingFeatures(DEFAULT)
    assert s._calls == [] and len(s._stepped) == sum(j.mode != "mtf" for j in plan_jobs(DEFAULT))


@pytest.mark.parametrize("name", [f.name for f in STEPPED if f.kind_def.stepper is not None])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_stepper_equals_core_bit_for_bit_from_any_open_row(name, data):
    """Open on rows [0, k], step to the end: every value equals the core over all rows, bitwise."""
    f = DEFAULT.features[DEFAULT.names.index(name)]
    bars = DATA[data.draw(st.sampled_from(sorted(DATA)), label="data")]
    length = data.draw(st.integers(f.lookback + 2, 1500), label="length")
    start = data.draw(st.integers(0, len(bars) - length), label="start")
    b = validate_bars(bars.iloc[start : start + length])
    k = data.draw(st.integers(f.lookback, length - 1), label="open row")
    kind = f.kind_def
    with np.errstate(all="ignore"):
        raw = kind.core(b, *f.params)
        parts = raw if isinstance(raw, tuple) else (raw,)
        while True:  # as streaming does: not enough history for TA-Lib's seeding yet -> one more row
            try:
                step, first = kind.stepper(b.slice(0, k + 1), *f.params)
                break
            except InsufficientHistory:
                k += 1
                if k == length:
                    return
        got = [first]
        for i in range(k + 1, length):
            row = (b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i], int(b.ts[i]))
            got.append(step(row))
    for p, core_part in enumerate(parts):
        want = _bits(core_part[k:])
        assert np.array_equal(_bits([g[p] for g in got]), want), (f.name, p, k)


OPENS = {"n": 0, "fail": set()}
CORE_CALLS = {"n": 0}


def _counted_core(b, p):
    CORE_CALLS["n"] += 1
    return talib.EMA(b.close, p)


_EMA = ta("EMA", ("close",))


def _flaky_stepper(b, p):
    """EMA stepper whose opens listed in OPENS['fail'] report too little history."""
    n = OPENS["n"]
    OPENS["n"] += 1
    if n in OPENS["fail"]:
        raise InsufficientHistory("test: pretend TA-Lib wants more rows")
    return _EMA(b, p)


@pytest.fixture
def flaky_kind():
    register_kind(
        Kind(
            "tflaky",
            "test",
            (Param("period", int, 2),),
            _counted_core,
            lambda p: p - 1,
            settle=lambda p: 40,
            min_block=256,
            stepper=_flaky_stepper,
        )
    )
    yield
    unregister_kind("tflaky")


@pytest.mark.skipif(not HANDLES, reason="this TA-Lib has no streaming handles (ta-lib-python < 0.8)")
@pytest.mark.parametrize("fail", [set(), {0}, {0, 2, 3}])
def test_streaming_opens_a_stepper_once_per_block_and_falls_back_to_core_bar_by_bar(flaky_kind, fail):
    fs = FeatureSet.from_names(["tflaky_10"])
    f = fs.features[0]
    bars = DATA["eth"].iloc[:3000]
    w, s, p = f.warmup, f.block, f.phase
    block_starts = sorted({w, *range(w + p, len(bars), s)})
    assert len(block_starts) > 8
    OPENS.update(n=0, fail=fail)
    CORE_CALLS["n"] = 0
    streamed = stream_all(fs, bars)
    # one open per block start, plus a retry on the next bar after each failed open
    assert OPENS["n"] == len(block_starts) + len(fail)
    assert CORE_CALLS["n"] == len(fail)  # the core runs only on bars whose open failed
    np.testing.assert_array_equal(_bits(streamed), _bits(compute_features(bars, fs).to_numpy()))
