"""Benchmark of paper mode on loopback: decision latency and the message rate the node keeps up with.

1. Decision latency (feed message in -> order submitted to the Sandbox venue) p50/p99 of the
   ``round-trip`` strategy in a recorded paper session against the simulator replaying at 100x.
2. Ramp: the simulator replays at rising speeds; a probe on the bus stamps every trade the node
   handles. Event-time lag of trade i = (wall_i - wall_0) - (ts_i - ts_0) / speed. The node *falls
   behind* when the lag grows: median lag of the last tenth of trades minus that of the first tenth
   above 100 ms. The sustained rate is the highest message rate (trades + quotes per wall second
   of replay) at a speed where it did not fall behind. ``--recorded`` runs the ramp with the
   ``round-trip`` strategy trading and every event going to an event log (the paper session's set-up).

``--durability record`` runs with the old fsync-per-record log (for before/after figures); the
default is the session's own (``engine.paper.session.DURABILITY``).

Data: the recorded BTCUSDT trades and quotes (46 s), tiled ``--reps`` times end to end with shifted
timestamps and trade ids (a longer market with the same statistics, no randomness).

    python benchmarks/bench_paper.py [--reps 8] [--speeds 100,300,1000,3000] [--recorded]
        [--durability record|background]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine.paper.session as session_module
from engine.eventlog import EventLog
from engine.exchange_sim import ExchangeSimulator, MarketData, load_market_data
from engine.paper import PaperSessionConfig, build_node, run_paper_session

ROOT = Path(__file__).resolve().parents[1]
BTC = "BTCUSDT.BINANCE"


def tiled(data: MarketData, reps: int) -> MarketData:
    """``data`` repeated ``reps`` times back to back (timestamps and trade ids shifted)."""
    first, last = data.span_ms()
    span = last - first + 1
    trades, quotes = [], []
    for i in range(reps):
        t = data.trades.copy()
        t["ts_ms"] += i * span
        t["trade_id"] += i * len(data.trades)
        trades.append(t)
        q = data.quotes.copy()
        q["ts_ms"] += i * span
        quotes.append(q)
    return replace(
        data, trades=pd.concat(trades, ignore_index=True), quotes=pd.concat(quotes, ignore_index=True)
    )


def latency(data: MarketData, speed: float, duration: float) -> dict:
    """Per-order latency of a recorded paper session at ``speed``."""
    with tempfile.TemporaryDirectory() as tmp, ExchangeSimulator(data, speed=speed) as sim:
        cfg = PaperSessionConfig(
            strategy="round-trip",
            instrument_id=BTC,
            run_dir=Path(tmp) / "run",
            params={"trade_size": "0.0002", "hold": "10", "start_after": "1", "cycles": "100000"},
            exchange_url=sim.base_url,
            duration=duration,
        )
        result = run_paper_session(cfg)
    return {**result.latency, "messages": result.messages_received, "fills": len(result.fills)}


def ramp_step(data: MarketData, speed: float, duration: float, recorded: bool = False) -> dict:
    """Event-time lag of a paper node at ``speed``: idle (venue feed only), or with ``recorded``
    trading ``round-trip`` and logging every event as a session does."""
    samples: list[tuple[int, int]] = []
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    tmp = tempfile.TemporaryDirectory()
    log = EventLog.create(Path(tmp.name) / "log", durability=session_module.DURABILITY) if recorded else None
    params = {"trade_size": "0.0002", "hold": "10", "start_after": "1", "cycles": "100000"}
    with ExchangeSimulator(data, speed=speed) as sim:
        cfg = PaperSessionConfig(
            strategy="round-trip",
            instrument_id=BTC,
            run_dir=Path(tmp.name) / "run",
            params=params if recorded else {"cycles": "0"},
            exchange_url=sim.base_url,
        )
        node, client, _ = build_node(cfg, loop, log)
        node.kernel.msgbus.subscribe(
            topic="data.trades.*", handler=lambda t: samples.append((time.perf_counter_ns(), t.ts_event))
        )
        loop.call_later(duration, node.stop)
        try:
            node.run()
        finally:
            node.dispose()
            loop.close()
            asyncio.set_event_loop(None)
            if log is not None:
                log.close()
            tmp.cleanup()
        received = client.received
    if len(samples) < 20:
        return {"speed": speed, "trades": len(samples), "behind": None}
    w0, t0 = samples[0]
    lags = [(w - w0) - (t - t0) / speed for w, t in samples]
    k = max(1, len(lags) // 10)
    growth_ms = (statistics.median(lags[-k:]) - statistics.median(lags[:k])) / 1e6
    wall = (samples[-1][0] - w0) / 1e9
    rate = received / wall if wall > 0 else float("inf")
    return {
        "speed": speed,
        "trades": len(samples),
        "messages": received,
        "msg_per_s": round(rate),
        "lag_growth_ms": round(growth_ms, 1),
        "behind": growth_ms > 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--speeds", default="100,300,1000,3000")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--recorded", action="store_true", help="ramp with trading and recording")
    parser.add_argument("--durability", choices=["record", "background"], default=session_module.DURABILITY)
    args = parser.parse_args()
    session_module.DURABILITY = args.durability
    print(f"log durability: {args.durability}")
    data = tiled(load_market_data(ROOT / "catalogs" / "sources" / "crypto", BTC), args.reps)
    first, last = data.span_ms()
    print(f"data: {len(data.trades)} trades + {len(data.quotes)} quotes over {(last - first) / 1000:.0f} s")
    lat = latency(data, 100.0, args.duration)
    print(f"decision latency at 100x: {lat}")
    sustained = 0
    for speed in (float(s) for s in args.speeds.split(",")):
        step = ramp_step(data, speed, args.duration, args.recorded)
        print(f"ramp: {step}")
        if step["behind"] is False:
            sustained = max(sustained, step["msg_per_s"])
    print(f"sustained message rate (no growing lag): {sustained} msg/s")


if __name__ == "__main__":
    main()
