"""Rebuild a run's figures from its event log alone, exactly as the engine computed them.

Positions and realised PnL come from the fills (NETTING: one position per id, a new cycle each
time it opens from flat; a fill that flips the side closes one cycle and opens the next,
``engine.audit.positions``), checked against every recorded ``PositionOpened/Changed/Closed``;
commissions from the fills; balances from the recorded ``AccountState`` events and, replayed from
the fills: on a MARGIN account with NautilusTrader's margin-account rules (``engine.audit.margin``,
compared with every ``AccountState``), on a CASH account as cash flows (differences are warnings,
see ``reconcile.fill_warnings``); the equity curve from the ``Marks`` bar closes valued with the
balances in force at each close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from engine.audit.fixed import f64, money, precision_of
from engine.audit.margin import MarginAccount, MarginTerms
from engine.audit.positions import Cycle, Fill, PositionBook, Terms
from engine.eventlog import Record

__all__ = ["Cycle", "Rebuilt", "rebuild"]

ORDER_EVENTS = (
    "OrderInitialized",
    "OrderAccepted",
    "OrderTriggered",
    "OrderCanceled",
    "OrderExpired",
    "OrderRejected",
    "OrderDenied",
    "OrderUpdated",
)
POSITION_EVENTS = ("PositionOpened", "PositionChanged", "PositionClosed")
# Order events after which the portfolio publishes the account's state *before* the bus hands the
# order event itself on (the recorder sees the state first): such a state is checked after them.
STATE_BEFORE_EVENT = ("OrderAccepted", "OrderCanceled", "OrderExpired", "OrderRejected", "OrderUpdated")
OLD_MARGIN_MANIFEST = (
    "MARGIN account, but the manifest records no margin terms (a log written before manifest "
    "schema 2): balance totals were replayed from the fills and checked against every "
    "AccountState; locked/free balances and margins were taken from the log unchecked"
)


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
    flips: list[int] = field(default_factory=list)
    commissions: dict[str, Decimal] = field(default_factory=dict)
    account_type: str | None = None
    balances_from_fills: dict[str, Decimal] = field(default_factory=dict)
    balances_from_states: dict[str, Decimal] = field(default_factory=dict)
    fill_state_mismatches: list[str] = field(default_factory=list)
    account_mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    event_mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    position_events: dict[tuple[str, str], str] = field(default_factory=dict)
    equity_ts: list[int] = field(default_factory=list)
    equity: list[Decimal] = field(default_factory=list)
    decision_ts: list[int] = field(default_factory=list)
    decision_actions: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.out = Rebuilt()
        self.precision: dict[str, int] = {}
        self.quantum: dict[str, Decimal] = {}
        self.states: list[tuple[int, dict[str, Decimal]]] = []
        self.marks: list[tuple[int, Decimal]] = []
        self.pending_fill_check = False
        self.book = PositionBook(Terms(8), self.precision)
        self.margin: MarginAccount | None = None
        self.settlement: str | None = None
        self.by_key: dict[tuple[str, str], Cycle] = {}
        self.pending_state: tuple[int, dict[str, Any]] | None = None

    def feed(self, rec: Record) -> None:
        out = self.out
        out.records += 1
        out.kinds[rec.kind] = out.kinds.get(rec.kind, 0) + 1
        pending, self.pending_state = self.pending_state, None
        if pending is not None and rec.kind not in STATE_BEFORE_EVENT:
            self._check_state(*pending)
            pending = None
        self._dispatch(rec)
        if pending is not None:
            self._check_state(*pending)

    def _check_state(self, seq: int, data: dict[str, Any]) -> None:
        assert self.margin is not None
        for name, mine, theirs in self.margin.differences(data):
            self.out.account_mismatches.append((f"record {seq} AccountState {name}", mine, theirs))

    def _dispatch(self, rec: Record) -> None:
        handler = getattr(self, f"_on_{rec.kind}", None)
        if handler is not None:
            handler(rec.seq, rec.data)
        elif rec.kind in ORDER_EVENTS and self.margin is not None:
            self.margin.order_event(rec.kind, rec.data)
        elif rec.kind in POSITION_EVENTS:
            self._check_position_event(rec.seq, rec.kind, rec.data)

    def _on_RunStarted(self, seq: int, data: dict[str, Any]) -> None:
        self.out.manifest = data
        inst = data.get("venue", {}).get("instrument", {})
        if "size_precision" in inst:
            self.book.terms = Terms(
                inst["size_precision"], f64(inst.get("multiplier", "1")), bool(inst.get("is_inverse"))
            )
        self.settlement = inst.get("settlement_currency")

    def _on_RunEnded(self, seq: int, data: dict[str, Any]) -> None:
        self.out.run_ended = data

    def _on_OrderInitialized(self, seq: int, data: dict[str, Any]) -> None:
        self.out.orders.add(data["client_order_id"])
        if self.margin is not None:
            self.margin.order_event("OrderInitialized", data)

    def _note_precision(self, amount: str, ccy: str) -> None:
        if ccy not in self.precision:
            self.precision[ccy] = precision_of(amount)
            self.quantum[ccy] = Decimal(1).scaleb(-self.precision[ccy])

    def _on_AccountState(self, seq: int, data: dict[str, Any]) -> None:
        out = self.out
        balances = {}
        for b in data["balances"]:
            balances[b["currency"]] = Decimal(b["total"])
            self._note_precision(b["total"], b["currency"])
        first = not self.states
        if first:
            out.account_type = data.get("account_type")
            out.balances_from_fills = dict(balances)
            if out.account_type == "MARGIN":
                terms = MarginTerms.from_manifest(out.manifest or {})
                if terms is None:
                    out.notes.append(OLD_MARGIN_MANIFEST)
                self.margin = MarginAccount(terms, self.precision)
                self.margin.start(data)
        elif self.margin is not None:
            self.pending_state = (seq, data)  # checked once the record that caused it is applied
        elif balances != out.balances_from_fills and self.pending_fill_check:
            out.fill_state_mismatches.append(
                f"AccountState at {data['ts_event']}: {_fmt(balances)} "
                f"vs fills {_fmt(out.balances_from_fills)}"
            )
        self.pending_fill_check = False
        self.states.append((data["ts_event"], balances))
        out.balances_from_states = balances

    def _q(self, value: Decimal, currency: str) -> Decimal:
        quantum = self.quantum.get(currency)
        return value.quantize(quantum, ROUND_HALF_EVEN) if quantum is not None else value

    def _on_OrderFilled(self, seq: int, data: dict[str, Any]) -> None:
        out = self.out
        out.fills += 1
        fill = Fill.of(seq, data)
        self._note_precision(data["commission"].partition(" ")[0], fill.commission_ccy)
        ccy = fill.commission_ccy
        out.commissions[ccy] = out.commissions.get(ccy, Decimal(0)) + fill.commission
        currency = self.settlement or data["currency"]
        if self.margin is not None:
            self.margin.fill(fill, self.book.before(fill))
            self.margin.update_initial()
            touched = self.book.apply(fill, currency)
            for cycle in touched:
                self.margin.update_maintenance(cycle)
            out.balances_from_fills = {k: v[0] for k, v in self.margin.balances.items()}
        else:
            self._apply_cash(data, fill)
            touched = self.book.apply(fill, currency)
        for cycle in touched:
            self.by_key[(cycle.position_id, cycle.opening_order_id)] = cycle

    def _apply_cash(self, data: dict[str, Any], fill: Fill) -> None:
        bal = self.out.balances_from_fills
        quote = data["currency"]
        base_ccy = self._base_currency(data["instrument_id"].split(".")[0], quote)
        sign = Decimal(1) if fill.side == "BUY" else Decimal(-1)
        bal[quote] = bal.get(quote, Decimal(0)) - sign * self._q(fill.qty * fill.px, quote)
        if base_ccy is not None:
            bal[base_ccy] = bal.get(base_ccy, Decimal(0)) + sign * fill.qty
        bal[fill.commission_ccy] = bal.get(fill.commission_ccy, Decimal(0)) - fill.commission
        self.pending_fill_check = True

    def _base_currency(self, symbol: str, quote: str) -> str | None:
        if self.out.manifest is not None:
            return self.out.manifest.get("venue", {}).get("instrument", {}).get("base_currency")
        return symbol[: -len(quote)] if symbol.endswith(quote) else None

    def _check_position_event(self, seq: int, kind: str, data: dict[str, Any]) -> None:
        """The recorded position event against the cycle the fills rebuilt."""
        key = (data["position_id"], data["opening_order_id"])
        pnl = str(money(data["realized_pnl"])[0]) if data.get("realized_pnl") else None
        if kind == "PositionClosed" and pnl is not None:
            self.out.position_events[key] = pnl
        cycle = self.by_key.get(key)
        name = f"record {seq} {kind} {key[0]} opened by {key[1]}"
        if cycle is None:
            self.out.event_mismatches.append((name, "no such cycle in the fills", "recorded"))
            return
        pairs = [
            ("quantity", cycle.quantity, Decimal(data["quantity"])),
            ("peak_qty", cycle.peak_qty, Decimal(data["peak_qty"])),
        ]
        if pnl is not None:
            pairs.append(("realized_pnl", cycle.realized_pnl, Decimal(pnl)))
        if kind == "PositionClosed":
            pairs.append(("closing_order_id", cycle.closing_order_id, data.get("closing_order_id")))
        for field_name, mine, theirs in pairs:
            if mine != theirs:
                self.out.event_mismatches.append((f"{name}.{field_name}", str(mine), str(theirs)))

    def _on_ModelDecision(self, seq: int, data: dict[str, Any]) -> None:
        out = self.out
        out.decision_ts.append(int(data["ts_event"]))
        verb = str(data.get("action", "")).partition(":")[0]
        out.decision_actions[verb] = out.decision_actions.get(verb, 0) + 1

    def _on_Marks(self, seq: int, data: dict[str, Any]) -> None:
        bar_type = (self.out.manifest or {}).get("data", {}).get("bar_type")
        if bar_type is None or data["bar_type"] == bar_type:
            self.marks.extend(zip(data["ts"], (Decimal(c) for c in data["close"]), strict=True))

    def finish(self) -> Rebuilt:
        out = self.out
        if self.pending_state is not None:
            self._check_state(*self.pending_state)
        out.cycles = self.book.cycles
        out.flips = self.book.flips
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
