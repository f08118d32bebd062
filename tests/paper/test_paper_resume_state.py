"""State a restarted session rebuilds from its log: scars fold back into the agent's condition."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.recording import IdMapper, canonical_event
from strategies.ml.scarlog import to_event
from strategies.ml.strategy import scar_events_from_payloads
from strategies.scars import ScarEffects, ScarPolicy, ScarTracker, SeverityThresholds, fold_condition


def _policy() -> ScarPolicy:
    return ScarPolicy(
        drawdown=SeverityThresholds(0.05, 0.10, 0.20),
        trade_loss=SeverityThresholds(0.01, 0.03, 0.06),
        light=ScarEffects(size_multiplier=0.9),
        moderate=ScarEffects(size_multiplier=0.5, pause_bars=2),
        severe=ScarEffects(size_multiplier=0.25, pause_bars=10),
        max_weighted_scars=None,
        max_scars=(None, None, None),
        capital_floor=0.0,
        ts_per_bar=60_000_000_000,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(40, 130), min_size=1, max_size=30))
def test_scars_recorded_then_folded_give_the_live_condition(equities):
    logged = []
    ids = IdMapper()
    tracker = ScarTracker(
        "agent-1",
        _policy(),
        Decimal(100),
        emit=lambda _k, d: logged.append(canonical_event(to_event(d), ids)),
    )
    for i, eq in enumerate(equities):
        tracker.update_equity(Decimal(eq), i * 60_000_000_000)
    folded = fold_condition(scar_events_from_payloads(logged), "agent-1")  # what on_resume does
    live = tracker.condition
    assert folded.scar_counts == live.scar_counts
    assert folded.size_multiplier == live.size_multiplier
    assert folded.paused_until == live.paused_until
    assert folded.weighted_scars == live.weighted_scars
