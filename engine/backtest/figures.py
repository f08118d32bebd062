"""The run's own figures, read from NautilusTrader's account, cache and bars after a run.

These are what the audit must reproduce from the event log alone, so every amount is a Decimal
string (never a float): final balances, commissions, realised PnL per position cycle, and the
equity curve per bar (balances as of the bar's close, valued at its close in the quote currency).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money
from nautilus_trader.model.position import Position

from engine.backtest.flips import FlipKeeper
from engine.backtest.housekeeping import OrderPurger
from engine.backtest.keepers import AccountKeeper

# NETTING snapshots of closed cycles get a random UUID appended to the position id: drop it.
_SNAPSHOT_SUFFIX = re.compile(r"-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def money_str(money: Money) -> str:
    """A Money's amount as a Decimal string at its currency's precision (``"0.00009710"``)."""
    return str(money).rsplit(" ", 1)[0]


def position_row(position: Position) -> dict[str, Any]:
    """One position cycle: NautilusTrader's own dict, money as Decimal strings plus fill count."""
    row = position.to_dict()
    pnl = position.realized_pnl
    return {
        "position_id": _SNAPSHOT_SUFFIX.sub("", row["position_id"]),
        "opening_order_id": row["opening_order_id"],
        "closing_order_id": row["closing_order_id"],
        "entry": row["entry"],
        "side": row["side"],
        "quantity": row["quantity"],
        "peak_qty": row["peak_qty"],
        "ts_opened": row["ts_opened"],
        "ts_closed": row["ts_closed"],
        "realized_pnl": money_str(pnl) if pnl is not None else "0",
        "realized_return": position.realized_return,
        "currency": row["settlement_currency"],
        "commissions": [money_str(c) for c in position.commissions()],
        "fills": len(position.trade_ids),
    }


def position_cycles(cache: Any, flipped: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Every position cycle in opening order: closed NETTING snapshots, the live positions and
    the ``flipped`` rows of cycles a flip closed (``engine.backtest.flips``: the cache lost them)."""
    positions = list(cache.position_snapshots()) + list(cache.positions())
    rows = [position_row(p) for p in positions] + [dict(r) for r in flipped]
    rows.sort(key=lambda r: (r["ts_opened"], r["opening_order_id"]))
    return rows


def valued(balances: dict[str, Decimal], close: Decimal, base: str, quote: str) -> Decimal:
    """Equity in the quote currency: quote balance + base balance x close (exact Decimal)."""
    return balances.get(quote, Decimal(0)) + balances.get(base, Decimal(0)) * close


def equity_curve(
    states: Sequence[tuple[int, dict[str, Decimal]]], bars: Sequence[Bar], base: str, quote: str
) -> list[tuple[int, str]]:
    """(bar close ns, equity) per bar, using the last account state ``(ts_event, totals)`` with
    ``ts_event <= ts`` (states as published: see ``engine.backtest.keepers.AccountKeeper``)."""
    states = sorted(states, key=lambda e: e[0])
    curve: list[tuple[int, str]] = []
    balances: dict[str, Decimal] = {}
    i = 0
    for bar in bars:
        ts = bar.ts_init
        while i < len(states) and states[i][0] <= ts:
            balances = states[i][1]
            i += 1
        curve.append((ts, str(valued(balances, Decimal(str(bar.close)), base, quote))))
    return curve


def collect_figures(engine: Any, instrument: Instrument, bars: Sequence[Bar]) -> dict[str, Any]:
    """The run's own figures from NautilusTrader's portfolio, account and cache (order and fill
    counts include the closed orders an ``OrderPurger`` dropped from the cache during the run)."""
    venue = instrument.id.venue
    account = engine.portfolio.account(venue)
    base, quote = instrument.base_currency.code, instrument.quote_currency.code
    keeper = FlipKeeper.of(engine)
    cycles = position_cycles(engine.cache, keeper.rows if keeper is not None else ())
    realized: dict[str, Decimal] = {}
    for row in cycles:
        realized[row["currency"]] = realized.get(row["currency"], Decimal(0)) + Decimal(row["realized_pnl"])
    accounts = AccountKeeper.of(engine)
    states = accounts.states if accounts is not None else [
        (e.ts_event, {b.currency.code: Decimal(money_str(b.total)) for b in e.balances})
        for e in account.events
    ]
    curve = equity_curve(states, bars, base, quote)
    orders = engine.cache.orders()
    purger = OrderPurger.of(engine)
    purged_orders, purged_fills = (purger.orders, purger.fills) if purger is not None else (0, 0)
    return {
        "account_id": account.id.value,
        "base_currency": base,
        "quote_currency": quote,
        "starting_balances": {
            c.code: money_str(m)
            for c, m in sorted(account.starting_balances().items(), key=lambda kv: kv[0].code)
        },
        "final_balances": {
            c.code: money_str(m)
            for c, m in sorted(account.balances_total().items(), key=lambda kv: kv[0].code)
        },
        "commissions": {
            c.code: money_str(m) for c, m in sorted(account.commissions().items(), key=lambda kv: kv[0].code)
        },
        "realized_pnl": {k: str(v) for k, v in sorted(realized.items())},
        "positions": cycles,
        "orders": purged_orders + len(orders),
        "fills": purged_fills + sum(len(o.trade_ids) for o in orders),
        "equity_curve": {"ts": [t for t, _ in curve], "equity": [e for _, e in curve]},
        "final_equity": curve[-1][1] if curve else None,
    }
