"""Actors that keep, as the run goes, figures NautilusTrader 1.221 does not keep intact itself.

* ``AccountKeeper``: each published ``AccountState``'s balance totals, as Decimals, at the moment
  it is published. The account's own event list cannot be trusted afterwards: when a fill's
  commission is not netted against a realised PnL (an opening fill on a MARGIN account),
  ``AccountsManager._update_balance_multi_currency`` assigns the new total to the *current*
  ``AccountBalance`` object, which the previous ``AccountState`` event still holds, so that
  earlier state later reads as if the commission had been paid before the fill.
* ``FlipKeeper`` (``engine.backtest.flips``): position cycles closed by a NETTING flip.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.events import AccountState

from engine.backtest.attached import Attached


class AccountKeeper(Attached, Actor):
    """Each published ``AccountState``'s ``(ts_event, [(currency, total Money)])``, in order (the
    ``Money`` objects are immutable: only the ``AccountBalance`` holding them gets reassigned)."""

    def __init__(self) -> None:
        super().__init__(ActorConfig(component_id="LineageAccountKeeper"))
        self._states: list[tuple[int, list[tuple[str, Any]]]] = []
        self._seen: set[Any] = set()

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("events.account.*", self._on_state)

    def _on_state(self, state: Any) -> None:
        if not isinstance(state, AccountState) or state.id in self._seen:
            return
        self._seen.add(state.id)
        self._states.append((state.ts_event, [(b.currency.code, b.total) for b in state.balances]))

    @property
    def states(self) -> list[tuple[int, dict[str, Decimal]]]:
        """``(ts_event, {currency: total})`` per published state, totals as Decimals."""
        return [(ts, {c: Decimal(str(m).rsplit(" ", 1)[0]) for c, m in b}) for ts, b in self._states]

