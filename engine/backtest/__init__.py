"""Recorded backtests: ``run_backtest(BacktestConfig) -> RunResult`` writes ``runs/<run-id>/``."""

from engine.backtest.api import build_manifest, config_from_manifest, run_backtest
from engine.backtest.config import BacktestConfig, RunResult
from engine.backtest.execution import Execution, execute

__all__ = [
    "BacktestConfig",
    "Execution",
    "RunResult",
    "build_manifest",
    "config_from_manifest",
    "execute",
    "run_backtest",
]
