"""Strategy look-ahead analysis through real backtests on real bars: leaks caught, causal ones pass."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.backtest import run_backtest
from engine.eventlog import read_log
from engine.lookahead import (
    compare,
    decisions_from_log,
    load_inputs,
    run_decisions,
    same_decision,
    strategy_lookahead,
)
from tests.lookahead.conftest import LEAKY, config

FOUR_HOURS = ("2018-01-16", "2018-01-16T04:00")


def _minute(t: pd.Timestamp) -> int:
    return t.minute


def test_leaky_strategy_is_caught_at_exactly_its_peeking_decisions():
    cfg = config(LEAKY, *FOUR_HOURS)
    inputs = load_inputs(cfg)
    full = run_decisions(cfg, inputs)
    last = inputs.bars[-1].ts_init
    times = [pd.Timestamp(t, tz="UTC") for t in full if t < last]
    expected = [t for t in times if _minute(t) == 0]
    assert expected and len(expected) < len(times), "the window must hold leaking and causal decisions"
    report = strategy_lookahead(cfg)
    assert report.cut_times == times
    assert report.biased_times == expected
    for b in report.biased:
        assert b.cut == b.time and b.truncated == "none" and b.full.startswith("market ")


@settings(max_examples=2, deadline=None)
@given(peek=st.sampled_from([5, 20, 35, 50]), seed=st.integers(0, 2**16))
def test_sampled_cuts_flag_exactly_the_sampled_leaks(peek, seed):
    cfg = config(LEAKY, "2018-01-16T06:00", "2018-01-16T08:00", params={"peek_minute": str(peek)})
    report = strategy_lookahead(cfg, samples=6, seed=seed)
    assert min(6, report.decisions - 1) <= len(report.cut_times) <= 6
    assert report.biased_times == [t for t in report.cut_times if _minute(t) == peek]


def test_process_pool_gives_the_serial_report():
    cfg = config(LEAKY, "2018-01-16", "2018-01-16T02:30")
    serial = strategy_lookahead(cfg)
    pooled = strategy_lookahead(cfg, workers=2)
    assert pooled == serial and not serial.ok  # the same findings, whichever process ran a cut


def test_ema_cross_passes_although_cut_runs_end_in_a_position():
    cfg = config("ema-cross", "2018-01-16", "2018-01-17")
    report = strategy_lookahead(cfg)
    assert report.decisions >= 4 and report.ok, report.biased
    assert len(report.cut_times) >= report.decisions - 1
    inputs = load_inputs(cfg)
    entry = next(iter(run_decisions(cfg, inputs)))  # first decision opens a position
    k = [b.ts_init for b in inputs.bars].index(entry)
    cut = run_decisions(cfg, inputs, k)
    assert list(cut) == [entry], "a stop-time exit at the cut must not count as a decision"


def test_ml_strategy_with_a_trained_xgb_passes(tiny_xgb):
    result, root = tiny_xgb
    cfg = config(
        "xgb",
        "2018-01-16",
        "2018-01-17T12:00",
        params={"model": str(result.ref), "model_root": root, "threshold": "0.4"},
    )
    report = strategy_lookahead(cfg, samples=12, seed=1)
    assert report.decisions == report.bars - result.warmup  # a ModelDecision on every post-warm-up bar
    assert len(report.cut_times) == 12
    assert report.ok, report.biased[:3]


def _decisions(draw_times, actions):
    return {t: (("model", a, "[0.1,0.2,0.7]"),) for t, a in zip(draw_times, actions, strict=True)}


@settings(max_examples=50, deadline=None)
@given(
    times=st.lists(st.integers(1, 1000), min_size=1, max_size=20, unique=True).map(sorted),
    data=st.data(),
)
def test_compare_flags_changes_at_or_before_the_cut_only(times, data):
    actions = data.draw(
        st.lists(st.sampled_from(["buy", "sell", "hold"]), min_size=len(times), max_size=len(times))
    )
    full = _decisions(times, actions)
    cut = data.draw(st.integers(0, 1001))
    assert compare(full, dict(full), cut) == []
    changed = data.draw(st.sampled_from(times))
    part = {t: v for t, v in full.items() if t != changed}
    flagged = [b.time.value for b in compare(full, part, cut)]
    assert flagged == ([changed] if changed <= cut else [])


def test_probability_tolerance_is_relative():
    a = (("model", "buy", "[0.1,0.9]"),)
    b = (("model", "buy", "[0.1000000001,0.9]"),)
    assert not same_decision(a, b) and same_decision(a, b, tol=1e-6)
    assert not same_decision(a, (("model", "sell", "[0.1,0.9]"),), tol=1e-6)
    assert same_decision(None, ()) and not same_decision(a, None)


def test_tapped_decisions_are_the_ones_the_run_log_records(tmp_path, tiny_xgb):
    result, root = tiny_xgb
    params = {"model": str(result.ref), "model_root": root, "threshold": "0.4"}
    for name, p in (("ema-cross", {}), ("xgb", params)):
        cfg = config(name, "2018-01-16", "2018-01-17T06:00", params=p)
        inputs = load_inputs(cfg)
        last = inputs.bars[-1].ts_init
        tapped = run_decisions(cfg, inputs)
        run = run_backtest(cfg, record=True, out=tmp_path / name)
        logged = decisions_from_log(read_log(run.run_dir / "events"))
        assert tapped and {t: v for t, v in logged.items() if t < last} == {
            t: v for t, v in tapped.items() if t < last
        }
