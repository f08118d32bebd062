"""``AccountState`` events are recorded as published, though NautilusTrader later changes some.

A watcher on ``"*"`` (as the recorder subscribes) keeps, for every ``AccountState`` as it arrives,
NautilusTrader's own ``AccountState.to_dict`` and the recorder's frozen form; after the run the
frozen form must still give exactly the arrival dict, while re-reading the event object itself
gives other balances for some MARGIN states (so the test would catch a frozen form that reads
the live object)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.events import AccountState

from engine.backtest.execution import add_strategy, build_engine
from engine.recording.accounts import account_state_dict, freeze_account_state
from tests.backtest.ema import ema_cross
from tests.backtest.test_recorder import BALANCES
from tests.realdata import eth_btc_bars, eth_btc_pair


class Watcher(Actor):
    """Keeps ``(event, to_dict at arrival, frozen at arrival)`` of every AccountState."""

    def __init__(self) -> None:
        super().__init__(ActorConfig(component_id="AccountWatcher"))
        self.kept: dict = {}

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("*", self._on_message)

    def _on_message(self, msg) -> None:
        if isinstance(msg, AccountState) and msg.id not in self.kept:
            self.kept[msg.id] = (msg, AccountState.to_dict(msg), freeze_account_state(msg))


@pytest.mark.parametrize(("account_type", "margin"), [("CASH", "0"), ("MARGIN", "0"), ("MARGIN", "0.05")])
def test_frozen_account_states_give_the_dict_as_published(account_type: str, margin: str) -> None:
    bars = eth_btc_bars(1500)
    pair = eth_btc_pair(margin=Decimal(margin))
    engine = build_engine(pair, bars, BALANCES, seed=2, account_type=account_type)
    watcher = Watcher()
    engine.add_actor(watcher)
    add_strategy(engine, ema_cross(), bars)
    engine.run()
    try:
        states = list(watcher.kept.values())
        assert len(states) > 20
        assert {d["account_type"] for _, d, _ in states} == {account_type}
        assert any(d["margins"] for _, d, _ in states) == (margin != "0")
        for _, published, frozen in states:
            thawed = account_state_dict(frozen)
            assert thawed == published and list(thawed) == list(published)
            assert [list(b) for b in thawed["balances"]] == [list(b) for b in published["balances"]]
        changed = sum(AccountState.to_dict(event) != published for event, published, _ in states)
        if account_type == "MARGIN":
            assert changed > 0  # NautilusTrader did change published states in this run
        else:
            assert changed == 0
    finally:
        engine.dispose()
