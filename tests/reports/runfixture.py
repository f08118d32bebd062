"""Test helper: a realistic recorded run directory on real bundled prices.

A moving-average crossover traded all-in/all-out over real bars produces fills, model decisions
(with probabilities), drawdown scars and an equity curve; they are written with the real
``EventLog`` (``RunStarted``, ``Marks``, ``OrderFilled``, ``ModelDecision``, ``Scar``, ``RunEnded``)
and a ``metrics.json`` computed with ``engine.metrics``, in the layout the backtest branch writes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from engine.eventlog import EventLog
from engine.metrics import buy_and_hold_equity, compute_metrics, format_summary
from tests.realdata import ETH_BTC_5M, SOURCES

FEE = Decimal("0.001")
SCAR_LEVELS = (("light", 0.02), ("moderate", 0.05), ("severe", 0.10))


def eth_btc_close(n: int | None = None) -> pd.Series:
    """Real ETH/BTC 5-minute closes stamped at bar close (open + 5 minutes)."""
    frame = pd.read_feather(ETH_BTC_5M)
    frame = frame.iloc[:n] if n else frame
    index = pd.DatetimeIndex(frame["date"]) + pd.Timedelta(minutes=5)
    return pd.Series(frame["close"].to_numpy(), index=index, name="close")


def orcl_close(start: str = "2009-01-01", end: str = "2011-12-31") -> pd.Series:
    """Real ORCL daily closes (stamped at the date, UTC) between ``start`` and ``end``."""
    frame = pd.read_csv(SOURCES / "equities" / "orcl-1995-2014.csv", parse_dates=["Date"])
    frame = frame[(frame["Date"] >= start) & (frame["Date"] <= end)]
    return pd.Series(frame["Close"].to_numpy(), index=pd.DatetimeIndex(frame["Date"], tz="UTC"), name="close")


@dataclass(frozen=True)
class RunFixture:
    """What the helper wrote, for tests to compare against."""

    path: Path
    fills: int
    decisions: int
    scars: int
    bars: int
    head: str


def _decide(close: pd.Series, fast: int, slow: int) -> tuple[np.ndarray, np.ndarray]:
    spread = (close.rolling(fast).mean() / close.rolling(slow).mean() - 1.0).to_numpy()
    scale = np.nanstd(spread) or 1.0
    p_up = 1.0 / (1.0 + np.exp(-spread / scale * 2.0))
    return spread, p_up


def write_run(
    run_dir: Path,
    close: pd.Series,
    *,
    strategy: str = "tests.reports:SmaCross",
    instrument: str = "ETHBTC.SIM",
    balance: str = "1.00000000",
    fast: int = 12,
    slow: int = 48,
    marks_every: int = 1024,
) -> RunFixture:
    """Trade an SMA crossover over ``close`` and write the run directory; returns what was written."""
    run_dir.mkdir(parents=True)
    manifest = {
        "schema": 1,
        "strategy": {"name": strategy, "params": {"fast": fast, "slow": slow}},
        "data": {"instrument_id": instrument, "bar": "5-MINUTE-LAST", "bars": len(close)},
        "venue": {"fee_overrides": {"maker": str(FEE), "taker": str(FEE)}, "starting_balances": [balance]},
        "seeds": {"fill_model": 7},
    }
    spread, p_up = _decide(close, fast, slow)
    cash, units = Decimal(balance), Decimal(0)
    ns = close.index.asi8
    equity: list[str] = []
    trades: list[dict[str, object]] = []
    peak, scar_level, fills, decisions, scars = Decimal(0), 0, 0, 0, 0
    entry: tuple[int, Decimal] | None = None
    with EventLog.create(run_dir / "events") as log:
        log.append("RunStarted", manifest)
        marks: tuple[list[int], list[str]] = ([], [])
        for i, (ts, price_f) in enumerate(zip(ns, close.to_numpy(), strict=True)):
            price = Decimal(repr(float(price_f)))
            marks[0].append(int(ts))
            marks[1].append(str(price))
            if len(marks[0]) >= marks_every:
                log.append("Marks", {"bar_type": f"{instrument}-BAR", "ts": marks[0], "close": marks[1]})
                marks = ([], [])
            if not math.isnan(spread[i]):
                want_long = spread[i] > 0
                action = "HOLD"
                if want_long and units == 0:
                    qty = (cash * (1 - FEE) / price).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
                    if qty > 0:
                        cash -= qty * price * (1 + FEE)
                        units, action, entry = qty, "BUY", (int(ts), qty * price * (1 + FEE))
                elif not want_long and units > 0:
                    proceeds = units * price * (1 - FEE)
                    cash += proceeds
                    qty, units, action = units, Decimal(0), "SELL"
                    if entry is not None:
                        trades.append(
                            {
                                "entry_ts": pd.Timestamp(entry[0], tz="UTC"),
                                "exit_ts": pd.Timestamp(ts, tz="UTC"),
                                "pnl": float(proceeds - entry[1]),
                                "return": float(proceeds / entry[1] - 1),
                            }
                        )
                if action != "HOLD":
                    fills += 1
                    log.append(
                        "OrderFilled",
                        {
                            "order_side": action,
                            "last_px": str(price),
                            "last_qty": str(qty),
                            "instrument_id": instrument,
                            "commission": str((qty * price * FEE).quantize(Decimal("1e-8"))),
                            "currency": "BTC",
                            "ts_event": int(ts),
                            "ts_init": int(ts),
                        },
                    )
                decisions += 1
                p = float(p_up[i])
                log.append(
                    "ModelDecision",
                    {
                        "model_id": "sma-cross:1",
                        "artifact_hash": "0" * 64,
                        "feature_digest": "f" * 16,
                        "probabilities": json.dumps([round(1 - p, 6), round(p, 6)]),
                        "action": action,
                        "confidence": round(max(p, 1 - p), 6),
                        "instrument_id": instrument,
                        "ts_event": int(ts),
                        "ts_init": int(ts),
                    },
                )
            value = cash + units * price
            equity.append(str(value))
            peak = max(peak, value)
            loss = float(1 - value / peak)
            while scar_level < len(SCAR_LEVELS) and loss >= SCAR_LEVELS[scar_level][1]:
                scars += 1
                log.append(
                    "Scar",
                    {
                        "agent_id": "agent-0",
                        "severity": SCAR_LEVELS[scar_level][0],
                        "kind": "drawdown",
                        "loss_fraction": round(loss, 6),
                        "equity": str(value),
                        "peak": str(peak),
                        "effects": "{}",
                        "ts_event": int(ts),
                        "ts_init": int(ts),
                    },
                )
                scar_level += 1
            if value >= peak:
                scar_level = 0
        if marks[0]:
            log.append("Marks", {"bar_type": f"{instrument}-BAR", "ts": marks[0], "close": marks[1]})
        log.append("RunEnded", {"bars": len(close), "fills": fills, "final_equity": equity[-1]})
        head = log.head
    eq = pd.Series([float(e) for e in equity], index=close.index, name="equity")
    trade_frame = pd.DataFrame(trades, columns=["entry_ts", "exit_ts", "pnl", "return"])
    strategy_metrics = compute_metrics(eq, trade_frame)
    hold = buy_and_hold_equity(close, float(balance), fee_rate=float(FEE))
    benchmark = compute_metrics(hold, trade_frame.iloc[0:0])
    metrics = {
        "manifest_digest": "d" * 64,
        "chain_head": head,
        "strategy": strategy_metrics,
        "buy_and_hold": benchmark,
        "engine": {"equity_curve": {"ts": [int(t) for t in ns], "equity": equity}, "fills": fills},
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
    title = f"{strategy} on {instrument} ({len(close)} bars)"
    (run_dir / "summary.txt").write_text(f"{title}\n{format_summary(strategy_metrics, benchmark, '')}")
    return RunFixture(run_dir, fills, decisions, scars, len(close), head)
