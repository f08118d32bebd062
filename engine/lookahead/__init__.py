"""Look-ahead analysis of strategies through real backtests (features: ``indicators.lookahead``)."""

from engine.lookahead.decisions import Decision, Decisions, DecisionTap, decisions_from_log, describe
from engine.lookahead.runner import RunInputs, load_inputs, run_decisions
from engine.lookahead.strategy import (
    BiasedDecision,
    LookaheadError,
    StrategyLookaheadReport,
    compare,
    same_decision,
    sample_cuts,
    strategy_lookahead,
)

__all__ = [
    "BiasedDecision",
    "Decision",
    "DecisionTap",
    "Decisions",
    "LookaheadError",
    "RunInputs",
    "StrategyLookaheadReport",
    "compare",
    "decisions_from_log",
    "describe",
    "load_inputs",
    "run_decisions",
    "same_decision",
    "sample_cuts",
    "strategy_lookahead",
]
