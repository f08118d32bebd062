"""NETTING position cycles rebuilt from fills, as NautilusTrader 1.221's ``Position`` keeps them.

One position id per instrument and strategy; a cycle opens from flat and closes at zero. A fill
larger than the open quantity on the other side *flips* the position: the fill is split (as
``ExecutionEngine._flip_position`` splits it) into a part that closes the old cycle (quantity =
the open quantity, commission pro rata) and a part that opens the new one with the remainder.
Average prices, realised PnL and commissions use the engine's own double arithmetic and rounding
(``engine.audit.fixed``), so the replay equals the engine's figures exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.audit.fixed import f64, fixed, fixed_dec, money, precision_of


@dataclass(frozen=True)
class Terms:
    """Instrument facts the position arithmetic needs."""

    size_precision: int
    multiplier: float = 1.0
    is_inverse: bool = False


@dataclass
class Fill:
    """One ``OrderFilled`` record (or one part of a split one)."""

    seq: int
    trade_id: str
    order_id: str
    position_id: str
    side: str
    order_type: str
    qty: Decimal
    px: Decimal
    commission: Decimal
    commission_ccy: str
    commission_precision: int
    ts: int

    @classmethod
    def of(cls, seq: int, data: dict[str, Any]) -> Fill:
        amount, ccy = money(data["commission"])
        return cls(
            seq,
            data["trade_id"],
            data["client_order_id"],
            data["position_id"],
            data["order_side"],
            data.get("order_type", "MARKET"),
            Decimal(data["last_qty"]),
            Decimal(data["last_px"]),
            amount,
            ccy,
            precision_of(data["commission"].partition(" ")[0]),
            data["ts_event"],
        )


@dataclass
class Cycle:
    """One position cycle rebuilt from its fills (money as Decimal at its currency's precision)."""

    position_id: str
    opening_order_id: str
    entry: str
    ts_opened: int
    currency: str
    currency_precision: int
    terms: Terms
    signed: float = 0.0
    quantity: Decimal = Decimal(0)
    peak_qty: Decimal = Decimal(0)
    avg_px_open: float = 0.0
    avg_px_close: float = 0.0
    buy_qty: Decimal = Decimal(0)
    sell_qty: Decimal = Decimal(0)
    pnl: Decimal | None = None
    commissions: Decimal = Decimal(0)
    closing_order_id: str | None = None
    ts_closed: int | None = None
    fills: int = 0
    fill_seqs: list[int] = field(default_factory=list)

    @property
    def realized_pnl(self) -> Decimal:
        return self.pnl if self.pnl is not None else Decimal(0)

    @property
    def side(self) -> str:
        return "LONG" if self.signed > 0 else "SHORT" if self.signed < 0 else "FLAT"

    @property
    def is_open(self) -> bool:
        return self.quantity != 0

    @property
    def signed_qty(self) -> Decimal:
        return self.quantity if self.signed >= 0 else -self.quantity

    def points(self, open_px: float, close_px: float) -> float:
        """``Position._calculate_points`` (inverse: in 1/price)."""
        if self.terms.is_inverse:
            if abs(open_px) < 1e-15 or abs(close_px) < 1e-15:
                return 0.0
            open_px, close_px = 1.0 / close_px, 1.0 / open_px
        if self.side == "LONG":
            return close_px - open_px
        if self.side == "SHORT":
            return open_px - close_px
        return 0.0

    def pnl_of(self, open_px: float, close_px: float, qty: float) -> float:
        """``Position._calculate_pnl``: only the open quantity books PnL."""
        return min(qty, abs(self.signed)) * self.terms.multiplier * self.points(open_px, close_px)

    def apply(self, fill: Fill) -> None:
        """``Position.apply`` for one fill (the caller splits flips)."""
        self.fills += 1
        self.fill_seqs.append(fill.seq)
        realized = -f64(fill.commission) if fill.commission_ccy == self.currency else 0.0
        if fill.commission_ccy == self.currency:
            self.commissions += fill.commission
        px, qty = f64(fill.px), f64(fill.qty)
        buy = fill.side == "BUY"
        if (self.signed > 0 and buy) or (self.signed < 0 and not buy):
            self.avg_px_open = _avg(f64(self.quantity), self.avg_px_open, px, qty)
        elif self.signed != 0:
            closed = self.sell_qty if self.signed > 0 else self.buy_qty
            self.avg_px_close = _avg(f64(closed), self.avg_px_close, px, qty) if self.avg_px_close else px
            realized += self.pnl_of(self.avg_px_open, px, qty)
        prior = f64(self.pnl) if self.pnl is not None else 0.0
        self.pnl = fixed(prior + realized if self.pnl is not None else realized, self.currency_precision)
        if buy:
            self.buy_qty += fill.qty
            self.signed = round(self.signed + qty, self.terms.size_precision)
        else:
            self.sell_qty += fill.qty
            self.signed = round(self.signed - qty, self.terms.size_precision)
        self.quantity = fixed(abs(self.signed), self.terms.size_precision)
        self.peak_qty = max(self.peak_qty, self.quantity)
        if self.signed > 0:
            self.entry = "BUY"
        elif self.signed < 0:
            self.entry = "SELL"
        else:
            self.closing_order_id, self.ts_closed = fill.order_id, fill.ts


def _avg(qty: float, avg_px: float, last_px: float, last_qty: float) -> float:
    return (avg_px * qty + last_px * last_qty) / (qty + last_qty)


def split_flip(cycle: Cycle, fill: Fill) -> tuple[Fill, Fill]:
    """The closing and opening parts of a fill that flips ``cycle`` (``_flip_position``)."""
    size = cycle.terms.size_precision
    rest = fixed_dec(abs(fill.qty - cycle.quantity), size)
    share = cycle.quantity / fill.qty
    c1 = fixed_dec(fill.commission * share, fill.commission_precision)
    c2 = fixed_dec(fill.commission - c1, fill.commission_precision)
    close = Fill(**{**fill.__dict__, "qty": cycle.quantity, "commission": c1})
    open_ = Fill(**{**fill.__dict__, "qty": rest, "commission": c2})
    return close, open_


class PositionBook:
    """Every cycle of every NETTING position id, fed fills in log order."""

    def __init__(self, terms: Terms, precision: dict[str, int]) -> None:
        self.terms = terms
        self.precision = precision  # decimals per currency
        self.current: dict[str, Cycle] = {}
        self.cycles: list[Cycle] = []
        self.flips: list[int] = []  # seqs of fills that flipped a position

    def before(self, fill: Fill) -> Cycle | None:
        """The cycle this fill meets (open, or None)."""
        cycle = self.current.get(fill.position_id)
        return cycle if cycle is not None and cycle.is_open else None

    def apply(self, fill: Fill, currency: str) -> list[Cycle]:
        """Apply ``fill`` (``currency``: the settlement currency); the cycles it touched."""
        cycle = self.before(fill)
        if cycle is None:
            return [self._open(fill, currency)]
        opposite = (cycle.signed > 0) != (fill.side == "BUY")
        if opposite and fill.qty > cycle.quantity:
            self.flips.append(fill.seq)
            close, rest = split_flip(cycle, fill)
            cycle.apply(close)
            if rest.qty == 0:
                return [cycle]
            return [cycle, self._open(rest, currency)]
        cycle.apply(fill)
        return [cycle]

    def _open(self, fill: Fill, currency: str) -> Cycle:
        cycle = Cycle(
            fill.position_id,
            fill.order_id,
            fill.side,
            fill.ts,
            currency,
            self.precision.get(currency, 8),
            self.terms,
            avg_px_open=f64(fill.px),
        )
        cycle.apply(fill)
        self.current[fill.position_id] = cycle
        self.cycles.append(cycle)
        return cycle
