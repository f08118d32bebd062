"""Keeping a long backtest linear: closed orders are purged from NautilusTrader's cache as it runs.

Why: in NautilusTrader 1.221 the simulated exchange walks ``cache.orders_for_position(position)``
on every fill (to sync reduce-only orders). A NETTING venue keeps one position id per instrument
and strategy, so that list holds every order the strategy ever sent: each fill costs O(orders so
far) and a busy strategy's run is quadratic in its length (EMACross on 150k 1-minute bars spent
twice as long per bar at the end as at the start; 1M bars did not finish).

``OrderPurger`` purges orders that are already closed every ``every`` bars, after tallying them,
so the run's figures still count every order and fill (``collect_figures`` adds the tallies).
Orders the cache indexes under a position while the order itself has none (a NETTING order
rejected before any fill) are kept: ``Cache.purge_order`` would leave them in the position's
order index, and the next fill's walk of that index would fail with a ``KeyError``.
Only closed orders go (NautilusTrader refuses to purge open ones); positions, position snapshots,
the account and every event on the bus are untouched, so the recorded event stream is unchanged.
"""

from __future__ import annotations

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar, BarType

from engine.backtest.attached import Attached

PURGE_EVERY = 1024


class OrderPurger(Attached, Actor):
    """Purges closed orders from the cache every ``every`` bars of ``bar_type``.

    ``orders`` and ``fills`` count what it purged (fills = the orders' trade ids).
    """

    def __init__(self, bar_type: BarType, every: int = PURGE_EVERY) -> None:
        super().__init__(ActorConfig(component_id="LineageOrderPurger"))
        if every < 1:
            raise ValueError(f"OrderPurger: every must be >= 1 bar, got {every}")
        self.bar_type = bar_type
        self.every = every
        self.orders = 0
        self.fills = 0
        self._bars = 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self._bars += 1
        if self._bars % self.every == 0:
            self.purge()

    def purge(self) -> None:
        """Tally and purge every closed order (kept while a linked contingent order is open)."""
        cache = self.cache
        for order in cache.orders_closed():
            linked = order.linked_order_ids or ()
            if any((o := cache.order(i)) is not None and o.is_open for i in linked):
                continue
            if order.position_id is None and cache.position_id(order.client_order_id) is not None:
                continue  # see the module docstring
            cache.purge_order(order.client_order_id)
            self.orders += 1
            self.fills += len(order.trade_ids)

