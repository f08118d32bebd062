"""Scars: thresholds, episode re-arming, kill rules, and replay of the live condition from events."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.eventlog.encoding import canonical_bytes, decode
from strategies.scars import (
    AGENT_DIED,
    AGENT_SPAWNED,
    SCAR,
    AgentCondition,
    ScarEffects,
    ScarPolicy,
    ScarPolicyError,
    ScarTracker,
    Severity,
    SeverityThresholds,
    fold_condition,
)


def _recorder():
    events: list[tuple[str, dict]] = []

    def emit(kind: str, data: dict) -> None:
        # round-trip through the log's canonical encoding, as the recorder would store it
        events.append((kind, decode(canonical_bytes(data))))

    return events, emit


def test_thresholds_must_be_ordered_with_clear_error():
    with pytest.raises(ScarPolicyError, match=r"ScarPolicy.drawdown: .*light=0.2 moderate=0.1"):
        ScarPolicy(drawdown=SeverityThresholds(0.2, 0.1, 0.3))
    with pytest.raises(ScarPolicyError, match=r"ScarPolicy\.trade_loss"):
        ScarPolicy(trade_loss=SeverityThresholds(0.01, 0.03, 1.5))
    with pytest.raises(ScarPolicyError, match=r"ScarPolicy.severe.size_multiplier"):
        ScarPolicy(severe=ScarEffects(size_multiplier=0.0))
    with pytest.raises(ScarPolicyError, match="pause_bars"):
        ScarPolicy(light=ScarEffects(pause_bars=-1))
    with pytest.raises(ScarPolicyError, match="capital_floor"):
        ScarPolicy(capital_floor=1.2)
    assert issubclass(ScarPolicyError, LineageError)


def test_drawdown_scar_fires_once_per_level_per_episode_and_rearms_on_new_peak():
    tracker = ScarTracker("a", ScarPolicy(), 100)
    fired = []
    for ts, eq in enumerate([100, 96, 94, 95, 94, 93, 89, 92, 89, 79, 78, 70]):
        fired += [(s.severity, s.kind, ts) for s in tracker.update_equity(eq, ts)]
    assert fired == [
        (Severity.LIGHT, "drawdown", 2),
        (Severity.MODERATE, "drawdown", 6),
        (Severity.SEVERE, "drawdown", 9),
    ]
    # a new peak re-arms every level; a jump straight to -25% fires only the highest
    assert tracker.update_equity(101, 20) == []
    jump = tracker.update_equity(75, 21)
    assert [s.severity for s in jump] == [Severity.SEVERE]
    assert tracker.update_equity(70, 22) == []
    assert jump[0].peak == Decimal(101) and jump[0].equity == Decimal(75)


def test_trade_loss_scar_uses_equity_before_the_loss():
    tracker = ScarTracker("a", ScarPolicy(), 1000)
    assert tracker.record_trade(5, 1005, 1) == []
    assert tracker.record_trade(-9, 996, 2) == []  # 0.89% < 1%
    (scar,) = tracker.record_trade(-40, 956, 3)  # 40 / 996 = 4.0% -> moderate
    assert scar.severity is Severity.MODERATE and scar.kind == "trade_loss"
    assert scar.loss_fraction == pytest.approx(40 / 996)


def test_kill_rules():
    policy = ScarPolicy(max_scars=(None, None, 1), max_weighted_scars=None, capital_floor=0.5)
    tracker = ScarTracker("a", policy, 100)
    tracker.record_trade(-10, 90, 1)
    assert tracker.death_reason() is None
    tracker.record_trade(-10, 80, 2)
    assert tracker.death_reason().startswith("scar_limit: 2 severe scars > 1")
    floor = ScarTracker("b", ScarPolicy(capital_floor=0.5), 100)
    floor.update_equity(Decimal("50.00"), 1)
    assert floor.death_reason() is None
    floor.update_equity(Decimal("49.99"), 2)
    assert floor.death_reason().startswith("capital_floor")
    weighted = ScarTracker("c", ScarPolicy(max_weighted_scars=5.0, max_scars=(None, None, None)), 100)
    for i in range(3):
        weighted.record_trade(-4, 100, i)  # 4 / 104 = 3.8% -> moderate, weight 2
    assert weighted.death_reason().startswith("scar_limit: weighted scars 6 > 5")


def test_condition_effects_accumulate_and_pause():
    policy = ScarPolicy(moderate=ScarEffects(0.1, 0.5, 0.0, -0.3, 4), ts_per_bar=10)
    tracker = ScarTracker("a", policy, 100)
    tracker.record_trade(-5, 95, ts=100)
    c = tracker.condition
    assert (c.exploration_boost, c.size_multiplier, c.trust, c.paused_until) == (0.1, 0.5, 0.7, 140)
    assert c.is_paused(139) and not c.is_paused(140)
    tracker.record_trade(-5, 95, ts=200)
    tracker.record_trade(-5, 95, ts=300)
    tracker.record_trade(-5, 95, ts=400)
    assert tracker.condition.trust == 0.0 and tracker.condition.size_multiplier == 0.0625


equity_paths = st.lists(
    st.tuples(st.floats(-0.3, 0.3, allow_nan=False), st.booleans(), st.floats(-0.1, 0.05, allow_nan=False)),
    min_size=1,
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(path=equity_paths, light=st.floats(0.005, 0.1), gap=st.floats(0.005, 0.2))
def test_fold_of_emitted_events_reproduces_live_condition(path, light, gap):
    policy = ScarPolicy(
        drawdown=SeverityThresholds(light, light + gap, min(0.99, light + 2 * gap + 0.01)),
        max_weighted_scars=None,
        max_scars=(None, None, None),
    )
    events, emit = _recorder()
    emit(AGENT_SPAWNED, {"agent_id": "x"})
    emit(SCAR, {"agent_id": "someone-else", "severity": "severe"})  # other agents' events are ignored
    tracker = ScarTracker("x", policy, "1000", emit=emit)
    equity = 1000.0
    history: list[AgentCondition] = []
    for ts, (ret, closes, trade) in enumerate(path):
        equity = max(1.0, equity * (1.0 + ret))
        tracker.update_equity(equity, ts)
        if closes:
            tracker.record_trade(round(trade * equity, 6), equity, ts)
        history.append(tracker.condition)
    # monotone: scars are never removed, counts never fall, effects only accumulate
    for before, after in itertools.pairwise(history):
        assert after.scars[: len(before.scars)] == before.scars
        assert all(a >= b for a, b in zip(after.scar_counts, before.scar_counts, strict=True))
        assert after.size_multiplier <= before.size_multiplier and after.trust <= before.trust
    if tracker.death_reason() is None:
        tracker.equity = Decimal(0)
    emit(AGENT_DIED, {"agent_id": "x", "reason": tracker.death_reason()})
    live = tracker.condition.apply(AGENT_DIED, events[-1][1])
    rebuilt = fold_condition(events, agent_id="x")
    assert rebuilt == live
    assert not rebuilt.alive and rebuilt.total_scars == len([e for e in events if e[0] == SCAR]) - 1
