"""Rebuild a run's figures from its event log alone, in exact Decimal arithmetic.

Positions and realised PnL come from the fills (NETTING: one position per id, a new cycle each
time it opens from flat); commissions from the fills; balances both from the fills (starting from
the first ``AccountState``) and from the recorded ``AccountState`` events; the equity curve from
the ``Marks`` bar closes valued with the balances in force at each close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from engine.eventlog import Record


def _amount(money: str) -> tuple[Decimal, str]:
    """``"0.00009710 BTC"`` -> (Decimal, "BTC")."""
    amount, _, currency = money.partition(" ")
    return Decimal(amount), currency


def _exp(text: str) -> Decimal:
    """The quantum of a Decimal string (``"10.00000000"`` -> ``1E-8``)."""
    return Decimal(1).scaleb(Decimal(text).as_tuple().exponent)


@dataclass
class Cycle:
    """One position cycle rebuilt from its fills."""

    position_id: str
    opening_order_id: str
    entry: str
    ts_opened: int
    currency: str
    signed_qty: Decimal = Decimal(0)
    peak_qty: Decimal = Decimal(0)
    avg_px_open: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    commissions: Decimal = Decimal(0)
    closing_order_id: str | None = None
    ts_closed: int | None = None
    fills: int = 0


@dataclass
class Rebuilt:
    """Everything the audit rebuilt from the log."""

    manifest: dict[str, Any] | None = None
    run_ended: dict[str, Any] | None = None
    records: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)
    fills: int = 0
    cycles: list[Cycle] = field(default_factory=list)
    commissions: dict[str, Decimal] = field(default_factory=dict)
    balances_from_fills: dict[str, Decimal] = field(default_factory=dict)
    balances_from_states: dict[str, Decimal] = field(default_factory=dict)
    fill_state_mismatches: list[str] = field(default_factory=list)
    position_events: dict[tuple[str, str], str] = field(default_factory=dict)
    equity_ts: list[int] = field(default_factory=list)
    equity: list[Decimal] = field(default_factory=list)
    decision_ts: list[int] = field(default_factory=list)
    decision_actions: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.out = Rebuilt()
        self.open: dict[str, Cycle] = {}
        self.precision: dict[str, Decimal] = {}
        self.states: list[tuple[int, dict[str, Decimal]]] = []
        self.marks: list[tuple[int, Decimal]] = []
        self.pending_fill_check = False

    def feed(self, rec: Record) -> None:
        out = self.out
        out.records += 1
        out.kinds[rec.kind] = out.kinds.get(rec.kind, 0) + 1
        handler = getattr(self, f"_on_{rec.kind}", None)
        if handler is not None:
            handler(rec.data)

    def _on_RunStarted(self, data: dict[str, Any]) -> None:
        self.out.manifest = data

    def _on_RunEnded(self, data: dict[str, Any]) -> None:
        self.out.run_ended = data

    def _on_OrderInitialized(self, data: dict[str, Any]) -> None:
        self.out.orders.add(data["client_order_id"])

    def _on_AccountState(self, data: dict[str, Any]) -> None:
        balances = {}
        for b in data["balances"]:
            balances[b["currency"]] = Decimal(b["total"])
            self.precision.setdefault(b["currency"], _exp(b["total"]))
        if not self.states:
            self.out.balances_from_fills = dict(balances)
        elif balances != self.out.balances_from_fills and self.pending_fill_check:
            self.out.fill_state_mismatches.append(
                f"AccountState at {data['ts_event']}: {_fmt(balances)} "
                f"vs fills {_fmt(self.out.balances_from_fills)}"
            )
        self.pending_fill_check = False
        self.states.append((data["ts_event"], balances))
        self.out.balances_from_states = balances

    def _q(self, value: Decimal, currency: str) -> Decimal:
        quantum = self.precision.get(currency)
        return value.quantize(quantum, ROUND_HALF_EVEN) if quantum is not None else value

    def _on_OrderFilled(self, data: dict[str, Any]) -> None:
        out = self.out
        out.fills += 1
        qty, px = Decimal(data["last_qty"]), Decimal(data["last_px"])
        commission, ccy = _amount(data["commission"])
        out.commissions[ccy] = out.commissions.get(ccy, Decimal(0)) + commission
        base, quote = data["instrument_id"].split(".")[0], data["currency"]
        self._apply_balances(data, qty, px, commission, ccy, base, quote)
        self._apply_position(data, qty, px, commission, ccy)

    def _apply_balances(self, data, qty, px, commission, ccy, base, quote) -> None:
        bal = self.out.balances_from_fills
        base_ccy = self._base_currency(base, quote)
        sign = Decimal(1) if data["order_side"] == "BUY" else Decimal(-1)
        bal[quote] = bal.get(quote, Decimal(0)) - sign * self._q(qty * px, quote)
        if base_ccy is not None:
            bal[base_ccy] = bal.get(base_ccy, Decimal(0)) + sign * qty
        bal[ccy] = bal.get(ccy, Decimal(0)) - commission
        self.pending_fill_check = True

    def _base_currency(self, symbol: str, quote: str) -> str | None:
        if self.out.manifest is not None:
            return self.out.manifest.get("venue", {}).get("instrument", {}).get("base_currency")
        return symbol[: -len(quote)] if symbol.endswith(quote) else None

    def _apply_position(self, data, qty, px, commission, ccy) -> None:
        pid, side = data["position_id"], data["order_side"]
        signed = qty if side == "BUY" else -qty
        cycle = self.open.get(pid)
        if cycle is None:
            cycle = Cycle(pid, data["client_order_id"], side, data["ts_event"], data["currency"])
            self.open[pid] = cycle
            self.out.cycles.append(cycle)
        cycle.fills += 1
        if ccy == cycle.currency:
            cycle.realized_pnl -= commission
            cycle.commissions += commission
        if cycle.signed_qty == 0 or (cycle.signed_qty > 0) == (signed > 0):
            total = abs(cycle.signed_qty) + qty
            cycle.avg_px_open = (cycle.avg_px_open * abs(cycle.signed_qty) + px * qty) / total
        else:
            closed = min(qty, abs(cycle.signed_qty))
            direction = Decimal(1) if cycle.signed_qty > 0 else Decimal(-1)
            pnl = (px - cycle.avg_px_open) * closed * direction
            cycle.realized_pnl += self._q(pnl, cycle.currency)
            if qty > abs(cycle.signed_qty):
                self.out.problems.append(f"fill {data['trade_id']} flips position {pid}: not rebuilt exactly")
        cycle.signed_qty += signed
        cycle.peak_qty = max(cycle.peak_qty, abs(cycle.signed_qty))
        if cycle.signed_qty == 0:
            cycle.closing_order_id, cycle.ts_closed = data["client_order_id"], data["ts_event"]
            del self.open[pid]

    def _on_PositionClosed(self, data: dict[str, Any]) -> None:
        key = (data["position_id"], data["opening_order_id"])
        self.out.position_events[key] = str(_amount(data["realized_pnl"])[0])

    def _on_ModelDecision(self, data: dict[str, Any]) -> None:
        out = self.out
        out.decision_ts.append(int(data["ts_event"]))
        verb = str(data.get("action", "")).partition(":")[0]
        out.decision_actions[verb] = out.decision_actions.get(verb, 0) + 1

    def _on_Marks(self, data: dict[str, Any]) -> None:
        bar_type = (self.out.manifest or {}).get("data", {}).get("bar_type")
        if bar_type is None or data["bar_type"] == bar_type:
            self.marks.extend(zip(data["ts"], (Decimal(c) for c in data["close"]), strict=True))

    def finish(self) -> Rebuilt:
        out = self.out
        inst = (out.manifest or {}).get("venue", {}).get("instrument", {})
        base, quote = inst.get("base_currency"), inst.get("quote_currency")
        states, i, balances = self.states, 0, {}
        for ts, close in sorted(self.marks, key=lambda m: m[0]):
            while i < len(states) and states[i][0] <= ts:
                balances = states[i][1]
                i += 1
            out.equity_ts.append(ts)
            out.equity.append(balances.get(quote, Decimal(0)) + balances.get(base, Decimal(0)) * close)
        return out


def _fmt(balances: dict[str, Decimal]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(balances.items()))


def rebuild(records: Iterable[Record]) -> Rebuilt:
    """Rebuild positions, PnL, commissions, balances and the equity curve from ``records``."""
    builder = _Builder()
    for rec in records:
        builder.feed(rec)
    return builder.finish()
