"""Pinned chain heads of recorded runs: optimising the recorder must not change a single byte.

The heads were computed with the original (pre-optimisation) recorder and encoder on real ETH/BTC
bars; they cover order, position and account events, Lineage events and ``Marks``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from nautilus_trader.examples.strategies.ema_cross import EMACross, EMACrossConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from engine.backtest import execute
from tests.backtest.test_recorder import BALANCES, Publisher
from tests.realdata import ETH_BTC_BAR_TYPE as BAR_TYPE
from tests.realdata import ETH_BTC_ID as INSTRUMENT_ID
from tests.realdata import eth_btc_bars
from tests.realdata import eth_btc_pair as eth_btc

PINNED = {
    "ema-cross": ("67b022e66dc47c4de1b3753f30d70aef1f5a5e5eae1d9772986bb6691124e816", 386),
    "publisher": ("fd15e1dfb1409f96692ad4e1ec0b4ff01181f0795fcf4686893c842dc780fed7", 15),
}


def _strategy(name: str):
    if name == "publisher":
        return Publisher()
    return EMACross(
        EMACrossConfig(
            instrument_id=InstrumentId.from_str(INSTRUMENT_ID),
            bar_type=BarType.from_str(BAR_TYPE),
            trade_size=Decimal("0.5"),
        )
    )


@pytest.mark.parametrize("known_type", [False, True])
@pytest.mark.parametrize("name", sorted(PINNED))
def test_recorded_chain_head_is_pinned(tmp_path, name, known_type):
    """Pinned whether or not ``execute`` is told the bars' type (``run_backtest`` tells it)."""
    execution = execute(
        eth_btc(),
        eth_btc_bars(800),
        _strategy(name),
        BALANCES,
        seed=5,
        log_dir=tmp_path / "events",
        manifest={"pinned": 1},
        marks_every=300,
        bar_type=BAR_TYPE if known_type else None,
    )
    assert (execution.head, execution.records) == PINNED[name]
