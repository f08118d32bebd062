"""Fixtures for the exchange simulator and paper-trading tests (loopback only, repo data only)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from engine.exchange_sim import MarketData, load_market_data
from tests.realdata import CRYPTO

SOURCES = CRYPTO
BTC = "BTCUSDT.BINANCE"


@pytest.fixture(scope="session")
def sources() -> Path:
    """The bundled real-data source folder."""
    return SOURCES


@pytest.fixture(scope="session")
def btc_data() -> MarketData:
    """Recorded BTCUSDT trades and quotes of 2021-01-08 (46 s)."""
    return load_market_data(SOURCES, BTC)


@pytest.fixture(scope="session")
def btc_trades() -> pd.DataFrame:
    """The raw recorded trades file."""
    return pd.read_parquet(SOURCES / "BTCUSDT-trades-2021-01-08.parquet")


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Every test must leave no thread behind (simulators, clients, nodes)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while True:
        extra = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and t.name != "tqdm_monitor"  # tqdm's own, by design
        ]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"threads left behind: {extra}"
