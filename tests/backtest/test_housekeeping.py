"""Purging closed orders during a run keeps it linear and changes neither figures nor the log."""

from __future__ import annotations

import pytest
from nautilus_trader.examples.strategies.ema_cross import EMACross
from nautilus_trader.model.data import BarType

from engine.backtest import execute
from engine.backtest.execution import build_engine
from engine.backtest.figures import collect_figures
from engine.backtest.housekeeping import OrderPurger
from tests.backtest.ema import ema_cross
from tests.backtest.test_recorder import BALANCES
from tests.realdata import ETH_BTC_BAR_TYPE as BAR_TYPE
from tests.realdata import eth_btc_bars
from tests.realdata import eth_btc_pair as eth_btc


def _ema_cross() -> EMACross:
    return ema_cross(fast_ema_period=5, slow_ema_period=12)


def _figures(bars, purge_every):
    engine = build_engine(eth_btc(), bars, BALANCES, seed=2, purge_every=purge_every)
    engine.add_strategy(_ema_cross())
    engine.run()
    figures = collect_figures(engine, eth_btc(), bars)
    left, purger = len(engine.cache.orders()), OrderPurger.of(engine)
    engine.dispose()
    return figures, left, purger


def test_purged_run_has_the_same_figures_and_a_small_cache():
    bars = eth_btc_bars(1200)
    full, left_full, none = _figures(bars, None)
    purged, left, purger = _figures(bars, 25)
    assert none is None and purger is not None
    assert full["orders"] > 50 and left_full == full["orders"]
    assert purger.orders > 0 and left < full["orders"] / 10  # closed orders really left the cache
    assert purged == full  # counts, positions, balances, equity curve: all identical


@pytest.mark.parametrize("every", [7, 64])
def test_purging_never_changes_the_recorded_log(tmp_path, every):
    bars = eth_btc_bars(900)
    runs = [
        execute(
            eth_btc(),
            bars,
            _ema_cross(),
            BALANCES,
            seed=2,
            log_dir=tmp_path / f"{p}",
            manifest={},
            purge_every=p,
        )
        for p in (None, every)
    ]
    assert runs[0].head == runs[1].head and runs[0].records == runs[1].records
    assert runs[0].figures == runs[1].figures


def test_purge_interval_must_be_positive():
    with pytest.raises(ValueError, match="every must be >= 1"):
        OrderPurger(BarType.from_str(BAR_TYPE), 0)


def test_rejected_netting_orders_indexed_under_a_position_are_kept() -> None:
    """A strategy that reacts twice to the same bar gets some orders rejected; those the cache
    indexes under the position must survive a purge, or the next fill fails (KeyError)."""
    from tests.backtest.test_recorder_batch import Echo

    bars = eth_btc_bars(2600)
    runs = {}
    for purge_every in (None, 64):
        engine = build_engine(eth_btc(), bars, BALANCES, seed=2, purge_every=purge_every)
        engine.add_strategy(Echo(_ema_cross().config))
        engine.run()
        runs[purge_every] = collect_figures(engine, eth_btc(), bars)
        rejected = [o for o in engine.cache.orders_closed() if o.status_string() == "REJECTED"]
        engine.dispose()
    assert rejected  # the situation arises
    assert runs[None] == runs[64]
