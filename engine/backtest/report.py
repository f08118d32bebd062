"""Performance metrics and the text summary of a run, from its own figures.

Uses ``engine.metrics`` (``compute_metrics``, ``buy_and_hold_equity``, ``format_summary``) when it is
installed; until then a minimal built-in set (total return, max drawdown, trades, win rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from nautilus_trader.model.data import Bar


def equity_series(figures: dict[str, Any]) -> pd.Series:
    """The run's equity curve as floats indexed by bar close (UTC) — for metrics only."""
    curve = figures["equity_curve"]
    index = pd.to_datetime(pd.Series(curve["ts"], dtype="int64"), utc=True)
    return pd.Series([float(e) for e in curve["equity"]], index=pd.DatetimeIndex(index), name="equity")


def trades_frame(figures: dict[str, Any]) -> pd.DataFrame:
    """Closed position cycles as trades: entry_ts, exit_ts, pnl, return."""
    rows = [
        {
            "entry_ts": pd.Timestamp(p["ts_opened"], tz="UTC"),
            "exit_ts": pd.Timestamp(p["ts_closed"], tz="UTC"),
            "pnl": float(p["realized_pnl"]),
            "return": float(p["realized_return"]),
        }
        for p in figures["positions"]
        if p["ts_closed"]
    ]
    return pd.DataFrame(rows, columns=["entry_ts", "exit_ts", "pnl", "return"])


def _close_series(bars: Sequence[Bar]) -> pd.Series:
    index = pd.DatetimeIndex(pd.to_datetime([b.ts_init for b in bars], utc=True))
    return pd.Series([b.close.as_double() for b in bars], index=index, name="close")


def _basic_metrics(equity: pd.Series, trades: pd.DataFrame) -> dict[str, Any]:
    if equity.empty:
        return {"total_return": 0.0, "max_drawdown": 0.0, "trades": 0, "win_rate": None}
    drawdown = (equity / equity.cummax() - 1.0).min()
    wins = int((trades["pnl"] > 0).sum()) if len(trades) else 0
    return {
        "start_equity": float(equity.iloc[0]),
        "final_equity": float(equity.iloc[-1]),
        "total_return": float(equity.iloc[-1] / equity.iloc[0] - 1.0),
        "max_drawdown": float(drawdown),
        "trades": len(trades),
        "win_rate": wins / len(trades) if len(trades) else None,
    }


def build_metrics(
    figures: dict[str, Any],
    bars: Sequence[Bar],
    starting_equity: Decimal,
    fee_rate: Decimal,
    title: str = "",
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(strategy metrics, buy-and-hold metrics on the same bars, summary text headed by ``title``).

    ``bars`` are the evaluated bars: equity and trades before the first of them (warm-up history)
    are left out, and buy-and-hold starts from the strategy's equity at that bar.
    """
    equity, trades = equity_series(figures), trades_frame(figures)
    if len(bars):
        first_ts = pd.Timestamp(bars[0].ts_init, tz="UTC")
        equity = equity[equity.index >= first_ts]
        trades = trades[trades["exit_ts"] >= first_ts].reset_index(drop=True)
        if len(equity):
            starting_equity = Decimal(str(equity.iloc[0]))
    try:
        from engine.metrics import buy_and_hold_equity, compute_metrics, format_summary
    except ImportError:
        hold = _close_series(bars)
        hold = hold / hold.iloc[0] * float(starting_equity) if len(hold) else hold
        strategy, benchmark = _basic_metrics(equity, trades), _basic_metrics(hold, trades.iloc[0:0])
        lines = [f"{'metric':<16}{'strategy':>16}{'buy & hold':>16}"]
        for key in ("total_return", "max_drawdown", "trades", "win_rate"):
            lines.append(f"{key:<16}{_fmt(strategy.get(key)):>16}{_fmt(benchmark.get(key)):>16}")
        return strategy, benchmark, "\n".join([title, *lines]) if title else "\n".join(lines)
    hold = buy_and_hold_equity(_close_series(bars), float(starting_equity), fee_rate=float(fee_rate))
    always_in = pd.Series(1.0, index=hold.index)
    strategy = compute_metrics(equity, trades)
    benchmark = compute_metrics(hold, trades.iloc[0:0], exposure=always_in)
    return strategy, benchmark, format_summary(strategy, benchmark, title)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
