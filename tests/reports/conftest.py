"""Shared run directories (written once per session: they are read-only inputs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.runfixture import RunFixture, eth_btc_close, orcl_close, write_run


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def eth_run(runs_root: Path) -> RunFixture:
    """Every real ETH/BTC 5-minute bar (5,760: more than the chart point budget)."""
    return write_run(runs_root / "smacross-ethbtc-0001", eth_btc_close())


@pytest.fixture(scope="session")
def orcl_run(runs_root: Path) -> RunFixture:
    """Three years of real ORCL daily bars (36 calendar months)."""
    return write_run(
        runs_root / "smacross-orcl-0002",
        orcl_close(),
        instrument="ORCL.XNAS",
        balance="10000.00",
        fast=10,
        slow=40,
    )
