"""A MARGIN account replayed from the log, as NautilusTrader 1.221 keeps it.

Per fill (``AccountsManager.update_balances``, multi-currency account): realised PnL on the
quantity the fill closes (at the position's average open price) less the fill's commission moves
the balance total; then initial margin is recomputed from the open passive orders and maintenance
margin from the open position at its average open price (``LeveragedMarginModel``: notional /
leverage x the instrument's rate). Locked = initial + maintenance margins of the currency, free =
total - locked (never below zero). The replayed state is compared with every recorded
``AccountState``: balances (total, locked, free) and margins (initial, maintenance), exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.audit.fixed import f64, fixed, fixed_dec
from engine.audit.positions import Cycle, Fill

ZERO = Decimal(0)


@dataclass(frozen=True)
class MarginTerms:
    """What the manifest records about margins (``venue.margin`` and the instrument)."""

    instrument_id: str
    currency: str  # settlement (cost) currency: margins and PnL are in it
    margin_init: Decimal
    margin_maint: Decimal
    leverage: Decimal
    multiplier: float
    is_inverse: bool
    price_precision: int

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> MarginTerms | None:
        """The terms of a schema-2 manifest; None when the manifest predates them."""
        venue = manifest.get("venue", {})
        inst, terms = venue.get("instrument", {}), venue.get("margin")
        if not terms or "margin_init" not in inst or terms.get("model") != "leveraged":
            return None
        leverage = Decimal(terms.get("leverages", {}).get(inst["id"], terms["default_leverage"]))
        return cls(
            inst["id"],
            inst["settlement_currency"],
            Decimal(inst["margin_init"]),
            Decimal(inst["margin_maint"]),
            leverage,
            f64(inst["multiplier"]),
            bool(inst["is_inverse"]),
            inst["price_precision"],
        )


@dataclass
class Order:
    """What initial margin needs of an order."""

    order_type: str
    quantity: Decimal
    price: Decimal | None
    trigger: Decimal | None
    reduce_only: bool
    filled: Decimal = ZERO
    open: bool = False


@dataclass
class MarginAccount:
    """Balances ``{ccy: [total, locked, free]}`` and margins ``{instrument: [initial, maint]}``."""

    terms: MarginTerms | None  # None: an old manifest without them (totals only are replayed)
    precision: dict[str, int]
    balances: dict[str, list[Decimal]] = field(default_factory=dict)
    margins: dict[str, list[Decimal]] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)

    def start(self, state: dict[str, Any]) -> None:
        """Take the first (reported) ``AccountState`` as the starting point."""
        for b in state["balances"]:
            self.balances[b["currency"]] = [Decimal(b["total"]), Decimal(b["locked"]), Decimal(b["free"])]
        for m in state["margins"]:
            self.margins[m["instrument_id"]] = [Decimal(m["initial"]), Decimal(m["maintenance"])]

    def _q(self, value: Decimal | float, ccy: str) -> Decimal:
        p = self.precision.get(ccy, 8)
        return fixed(value, p) if isinstance(value, float) else fixed_dec(value, p)

    # -- fills ------------------------------------------------------------------------------------

    def fill(self, fill: Fill, cycle: Cycle | None) -> None:
        """``update_balances`` with the position as it was before the fill (``cycle``)."""
        pnl = None
        if cycle is not None and cycle.is_open and cycle.entry != fill.side:
            qty = fixed(min(f64(fill.qty), f64(cycle.quantity)), _places(fill.qty))
            amount = cycle.pnl_of(cycle.avg_px_open, f64(fill.px), f64(qty))
            pnl = (self._q(amount, cycle.currency), cycle.currency)
        commission, cccy = fill.commission, fill.commission_ccy
        apply_commission = commission != 0
        if pnl is not None:
            amount, ccy = pnl
            if apply_commission and ccy == cccy:
                amount -= commission
                apply_commission = False
            if amount != 0:
                self._book(ccy, amount, fill.order_type)
        if apply_commission:
            bal = self.balances.setdefault(cccy, [ZERO, ZERO, ZERO])
            bal[0] = self._q(bal[0] - commission, cccy)
            bal[2] = self._q(bal[2] - commission, cccy)
        order = self.orders.get(fill.order_id)
        if order is not None:
            order.filled += fill.qty
            order.open = order.filled < order.quantity

    def _book(self, ccy: str, amount: Decimal, order_type: str) -> None:
        bal = self.balances.get(ccy)
        if bal is None:
            if amount > 0:
                self.balances[ccy] = [amount, ZERO, amount]
            return
        bal[0] += amount
        if amount > 0 or order_type == "MARKET":
            bal[2] += amount
        else:
            bal[1] += amount

    # -- orders (initial margin) ------------------------------------------------------------------

    def order_event(self, kind: str, data: dict[str, Any]) -> None:
        """Track what makes an order open, passive and priced; then recompute initial margin."""
        oid = data.get("client_order_id")
        if kind == "OrderInitialized":
            self.orders[oid] = Order(
                data["order_type"],
                Decimal(data["quantity"]),
                _dec(data.get("options", {}).get("price")),
                _dec(data.get("options", {}).get("trigger_price")),
                bool(data.get("reduce_only")),
            )
            return
        order = self.orders.get(oid)
        if order is None:
            return
        if kind in ("OrderAccepted", "OrderTriggered"):
            order.open = True
        elif kind in ("OrderCanceled", "OrderExpired", "OrderRejected", "OrderDenied"):
            order.open = False
        elif kind == "OrderUpdated":
            order.quantity = Decimal(data["quantity"])
            order.price = _dec(data.get("price")) or order.price
            order.trigger = _dec(data.get("trigger_price")) or order.trigger
        if kind in ("OrderAccepted", "OrderCanceled", "OrderExpired", "OrderRejected", "OrderUpdated"):
            self.update_initial()

    def update_initial(self) -> None:
        """``AccountsManager._update_margin_init`` over the open passive orders."""
        t = self.terms
        if t is None:
            return
        total = ZERO
        for o in self.orders.values():
            px = o.price if o.price is not None else o.trigger
            if not o.open or o.order_type == "MARKET" or o.reduce_only or px is None:
                continue
            notional = self._q(self._notional(o.quantity, px), t.currency)
            total += self._q(notional / t.leverage * t.margin_init, t.currency)
        margin = self.margins.get(t.instrument_id)
        if total == 0:
            if margin is not None:
                if margin[1] == 0:
                    del self.margins[t.instrument_id]
                else:
                    margin[0] = ZERO
                self._recalculate(t.currency)
            return
        if margin is None:
            self.margins[t.instrument_id] = [total, ZERO]
        else:
            margin[0] = total
        self._recalculate(t.currency)

    # -- positions (maintenance margin) -----------------------------------------------------------

    def update_maintenance(self, cycle: Cycle | None) -> None:
        """``AccountsManager.update_positions`` for the (NETTING: one) open position."""
        t = self.terms
        if t is None:
            return
        total = ZERO
        if cycle is not None and cycle.is_open:
            px = fixed(round(cycle.avg_px_open, t.price_precision), t.price_precision)
            notional = self._q(self._notional(cycle.quantity, px), t.currency)
            total = self._q(notional / t.leverage * t.margin_maint, t.currency)
        margin = self.margins.get(t.instrument_id)
        if total == 0:
            if margin is not None:
                if margin[0] == 0:
                    del self.margins[t.instrument_id]
                else:
                    margin[1] = ZERO
                self._recalculate(t.currency)
            return
        if margin is None:
            self.margins[t.instrument_id] = [ZERO, total]
        else:
            margin[1] = total
        self._recalculate(t.currency)

    def _notional(self, qty: Decimal, px: Decimal) -> float:
        t = self.terms
        assert t is not None
        if t.is_inverse:
            return f64(qty) * t.multiplier * (1.0 / f64(px))
        return f64(qty) * t.multiplier * f64(px)

    def _recalculate(self, ccy: str) -> None:
        bal = self.balances[ccy]
        locked = sum((m[0] + m[1] for m in self.margins.values()), ZERO)
        free = bal[0] - locked
        if free < 0:
            locked, free = bal[0], ZERO
        self.balances[ccy] = [bal[0], self._q(locked, ccy), self._q(free, ccy)]

    # -- comparison -------------------------------------------------------------------------------

    def differences(self, state: dict[str, Any]) -> list[tuple[str, str, str]]:
        """``(field, replayed, recorded)`` for every figure of ``state`` the replay does not match."""
        out: list[tuple[str, str, str]] = []
        recorded = {
            b["currency"]: [Decimal(b["total"]), Decimal(b["locked"]), Decimal(b["free"])]
            for b in state["balances"]
        }
        names = ("total", "locked", "free") if self.terms is not None else ("total",)
        for ccy in sorted(set(recorded) | set(self.balances)):
            mine, theirs = self.balances.get(ccy), recorded.get(ccy)
            for i, name in enumerate(names):
                a = mine[i] if mine else None
                b = theirs[i] if theirs else None
                if a != b:
                    out.append((f"balance.{ccy}.{name}", str(a), str(b)))
        if self.terms is None:
            return out
        margins = {
            m["instrument_id"]: [Decimal(m["initial"]), Decimal(m["maintenance"])] for m in state["margins"]
        }
        for inst in sorted(set(margins) | set(self.margins)):
            mine, theirs = self.margins.get(inst), margins.get(inst)
            for i, name in enumerate(("initial", "maintenance")):
                a = mine[i] if mine else ZERO
                b = theirs[i] if theirs else ZERO
                if a != b:
                    out.append((f"margin.{inst}.{name}", str(a), str(b)))
        return out


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "None") else Decimal(str(value))


def _places(qty: Decimal) -> int:
    return max(-qty.as_tuple().exponent, 0)  # type: ignore[operator]
