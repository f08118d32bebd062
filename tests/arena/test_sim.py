"""The fast simulator: next-open fills, fees, trade accounting, input validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import DataValidationError
from strategies.agents import Account, Market, SimConfig, run_policy


def test_fills_at_next_open_and_charges_fees():
    m = Market(open=[10, 11, 12, 13], close=[10.5, 11.5, 12.5, 13.5], features=np.zeros((4, 1)))
    res = run_policy(
        lambda t, acc, p: 1.0 if t == 0 else None, m, 0, 4, SimConfig(fee_rate=0.01, initial_capital=100)
    )
    units = 100 / 11  # bought at open[1]
    cash = -0.01 * 100  # paid the 1% fee in cash
    assert res.equity[0] == 100
    assert res.equity[1] == pytest.approx(cash + units * 11.5)
    assert res.equity[3] == pytest.approx(cash + units * 13.5)
    assert res.fees == pytest.approx(1.0) and res.trades == []


def test_trade_pnl_is_equity_change_over_the_trade_including_fees():
    acc = Account(1000, 0.001)
    assert acc.rebalance(1.0, 100) is None
    assert acc.rebalance(0.5, 110) is None  # reduce, still open
    pnl = acc.rebalance(-1.0, 105)  # flip closes the long trade
    assert pnl == pytest.approx(acc.equity(105) - 1000)
    assert acc.units < 0
    pnl2 = acc.rebalance(0.0, 100)
    assert pnl2 == pytest.approx(acc.equity(100) - (1000 + pnl))


@settings(max_examples=40, deadline=None)
@given(
    targets=st.lists(st.sampled_from([None, 0.0, 0.5, 1.0, -0.5, -1.0]), min_size=2, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_sum_of_trade_pnls_matches_equity_change_when_flat(targets, seed):
    rng = np.random.default_rng(seed)
    n = len(targets) + 1
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.005, n))
    m = Market(open_, close, np.zeros((n, 1)))
    seq = [*targets[:-1], 0.0]  # end flat
    res = run_policy(lambda t, acc, p: seq[t], m, 0, n, SimConfig())
    assert sum(res.trades) == pytest.approx(res.equity[-1] - res.equity[0], abs=1e-6)


def test_market_validation_names_row_and_field():
    with pytest.raises(DataValidationError, match="row 2, field close"):
        Market([1, 1, 1], [1, 1, -1], np.zeros((3, 1)), name="x")
    with pytest.raises(DataValidationError, match="row 1, field features"):
        Market([1, 1, 1], [1, 1, 1], np.array([[0.0], [np.nan], [0.0]]))
