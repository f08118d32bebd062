"""A fast bar-by-bar trading simulator for one instrument (used by tests and evolution fitness).

Timing: the decision at bar ``t`` is made after bar ``t`` closes, using ``features[t]`` (which must be
causal: known at the close of bar ``t``); the order fills at ``open[t+1]``; equity is marked at closes.
Costs: a proportional fee ``fee_rate`` on the traded notional (no slippage, no spread).
Accounting: plain float64 cash and units (fast; no Decimal). Positions are sized as a *target
exposure* = position value / equity (negative = short, cash grows on a short sale). A trade runs from
the fill that opens a position until the fill that flattens or flips it; its PnL is the equity change
over that span (fees included). This simulator is not the NautilusTrader engine: the arena integration
replays agents there; this is the cheap inner loop for learning and evolution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import DataValidationError


@dataclass(frozen=True)
class SimConfig:
    fee_rate: float = 0.001
    initial_capital: float = 1000.0


@dataclass
class Market:
    """Bars and causal features: ``open``/``close`` (n,), ``features`` (n, k), optional ``ts`` (n,) int64."""

    open: np.ndarray
    close: np.ndarray
    features: np.ndarray
    ts: np.ndarray | None = None
    name: str = "market"

    def __post_init__(self) -> None:
        self.open = np.ascontiguousarray(self.open, dtype=np.float64)
        self.close = np.ascontiguousarray(self.close, dtype=np.float64)
        self.features = np.ascontiguousarray(self.features, dtype=np.float32)
        n = len(self.close)
        if self.open.shape != (n,) or self.features.ndim != 2 or len(self.features) != n:
            raise DataValidationError(
                f"{self.name}: expected open (n,), close (n,), features (n, k) with one n, got "
                f"{self.open.shape}, {self.close.shape}, {self.features.shape}"
            )
        for fname, arr in (("open", self.open), ("close", self.close)):
            bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
            if bad.size:
                raise DataValidationError(
                    f"{self.name}: row {bad[0]}, field {fname}: expected a finite price > 0, "
                    f"got {arr[bad[0]]}"
                )
        bad_rows = np.flatnonzero(~np.isfinite(self.features).all(axis=1))
        if bad_rows.size:
            raise DataValidationError(
                f"{self.name}: row {bad_rows[0]}, field features: expected finite values "
                "(drop the warm-up rows of the features)"
            )

    def __len__(self) -> int:
        return len(self.close)

    def slice(self, start: int, end: int) -> Market:
        ts = None if self.ts is None else self.ts[start:end]
        return Market(self.open[start:end], self.close[start:end], self.features[start:end], ts, self.name)


class Account:
    """Cash + signed units of one instrument, rebalanced to target exposures."""

    def __init__(self, capital: float, fee_rate: float) -> None:
        self.cash = float(capital)
        self.units = 0.0
        self.fee_rate = fee_rate
        self.fees = 0.0
        self.trade_start_equity: float | None = None

    def equity(self, price: float) -> float:
        return self.cash + self.units * price

    def exposure(self, price: float) -> float:
        eq = self.equity(price)
        return self.units * price / eq if eq > 0 else 0.0

    def rebalance(self, target: float | None, price: float) -> float | None:
        """Trade to ``target`` exposure at ``price`` (None = hold); returns a closed trade's PnL or None."""
        if target is None:
            return None
        before = self.equity(price)
        want = target * max(before, 0.0) / price
        delta = want - self.units
        if abs(delta) * price <= 1e-9 * max(abs(before), 1.0):
            return None
        old_units = self.units
        fee = abs(delta) * price * self.fee_rate
        self.cash -= delta * price + fee
        self.fees += fee
        self.units = want if abs(want) * price > 1e-12 else 0.0
        after = self.equity(price)
        closed = None
        if old_units != 0.0 and (self.units == 0.0 or (old_units > 0) != (self.units > 0)):
            closed = after - (self.trade_start_equity if self.trade_start_equity is not None else before)
            self.trade_start_equity = None
        if self.units != 0.0 and self.trade_start_equity is None:
            self.trade_start_equity = before if closed is None else after
        return closed


@dataclass
class EpisodeResult:
    """What one pass over a window produced: equity marks at each close, trade PnLs, scars, death."""

    equity: np.ndarray
    trades: list[float] = field(default_factory=list)
    fees: float = 0.0
    scars: list = field(default_factory=list)
    died: str | None = None
    died_at: int | None = None

    @property
    def total_return(self) -> float:
        return float(self.equity[-1] / self.equity[0] - 1.0)

    @property
    def log_returns(self) -> np.ndarray:
        eq = np.maximum(self.equity, 1e-12)
        return np.diff(np.log(eq))

    def sharpe(self) -> float:
        """Risk-adjusted return: mean / std of per-bar log returns x sqrt(bars); 0 if flat."""
        r = self.log_returns
        if r.size < 2:
            return 0.0
        sd = float(r.std())
        return 0.0 if sd < 1e-12 else float(r.mean() / sd * math.sqrt(r.size))


Policy = Callable[[int, Account, float], "float | None"]


def run_policy(policy: Policy, market: Market, start: int, end: int, sim: SimConfig) -> EpisodeResult:
    """Trade ``policy(t, account, close_t) -> target exposure | None`` over bars ``start..end-1``."""
    acc = Account(sim.initial_capital, sim.fee_rate)
    equity = np.empty(end - start)
    equity[0] = acc.equity(market.close[start])
    trades = []
    for t in range(start, end - 1):
        pnl = acc.rebalance(policy(t, acc, market.close[t]), market.open[t + 1])
        if pnl is not None:
            trades.append(pnl)
        equity[t + 1 - start] = acc.equity(market.close[t + 1])
    return EpisodeResult(equity=equity, trades=trades, fees=acc.fees)
