"""Shared fixtures: one recorded EMA-cross run on the bundled sample catalog (real ETH/BTC bars)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.backtest import BacktestConfig, RunResult, run_backtest
from engine.catalog import sample_catalog

EMA_CROSS = "nautilus_trader.examples.strategies.ema_cross:EMACross"


def ema_config(out: Path, **overrides: object) -> BacktestConfig:
    """EMA cross on ~1,400 real 5-minute ETH/BTC bars, funded in both currencies, 0.1% fees."""
    fields: dict[str, object] = {
        "catalog": sample_catalog(),
        "instrument_id": "ETHBTC.SIM",
        "bar": "5-MINUTE",
        "strategy": EMA_CROSS,
        "params": {"trade_size": "1"},
        "seed": 7,
        "balances": ("10 BTC", "100 ETH"),
        "maker_fee": "0.001",
        "taker_fee": "0.001",
        "end": "2018-01-15",
        "out": out,
    }
    fields.update(overrides)
    return BacktestConfig(**fields)


@pytest.fixture(scope="session")
def ema_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """A finished, recorded run (treat as read-only; copy it before tampering)."""
    return run_backtest(ema_config(tmp_path_factory.mktemp("runs")))
