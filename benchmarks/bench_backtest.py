"""Backtest throughput with the event recorder on vs off.

Same seeded synthetic 1-minute bars, same strategy (NautilusTrader's example EMACross), same
seeded venue; prints bars/s for each and the recorder's cost, both as the extra CPU time per bar
(on/off time - 1) and as the share of throughput lost (1 - on/off bars/s, the figure the target
names). Run from the repo root:

    python benchmarks/bench_backtest.py --bars 1000000 [--repeat 2] [--strategy ema|idle]

Each run is a fresh process by default (``--same-process`` to share one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nautilus_trader.config import StrategyConfig
from nautilus_trader.examples.strategies.ema_cross import EMACross, EMACrossConfig
from nautilus_trader.model.currencies import BTC, USDT
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler
from nautilus_trader.trading.strategy import Strategy

from engine.backtest.execution import execute
from engine.recording.manifest import bars_digest

INSTRUMENT = "BTCUSDT.SIM"
BAR_TYPE = f"{INSTRUMENT}-1-MINUTE-LAST-EXTERNAL"


def instrument() -> CurrencyPair:
    return CurrencyPair(
        instrument_id=InstrumentId.from_str(INSTRUMENT),
        raw_symbol=Symbol("BTCUSDT"),
        base_currency=BTC,
        quote_currency=USDT,
        price_precision=2,
        size_precision=6,
        price_increment=Price.from_str("0.01"),
        size_increment=Quantity.from_str("0.000001"),
        lot_size=None,
        max_quantity=None,
        min_quantity=None,
        max_notional=None,
        min_notional=None,
        max_price=None,
        min_price=None,
        margin_init=Decimal(0),
        margin_maint=Decimal(0),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
        ts_event=0,
        ts_init=0,
    )


def synthetic_bars(n: int, seed: int) -> list:
    """A seeded geometric random walk as 1-minute OHLCV bars (ts_init = bar close)."""
    rng = np.random.default_rng(seed)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.0008, n)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    spread = np.abs(rng.normal(0, 0.0005, n)) * close
    frame = pd.DataFrame(
        {
            "open": open_.round(2),
            "high": (np.maximum(open_, close) + spread).round(2),
            "low": (np.minimum(open_, close) - spread).round(2),
            "close": close.round(2),
            "volume": rng.uniform(1, 100, n).round(6),
        },
        index=pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC"),
    )
    return BarDataWrangler(BarType.from_str(BAR_TYPE), instrument()).process(
        frame, ts_init_delta=60_000_000_000
    )


class Idle(Strategy):
    """Subscribes to the bars and never trades: what recording costs when it only marks bars."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="Idle-001"))

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str(BAR_TYPE))


def strategy(name: str = "ema") -> Strategy:
    if name == "idle":
        return Idle()
    return EMACross(
        EMACrossConfig(
            instrument_id=InstrumentId.from_str(INSTRUMENT),
            bar_type=BarType.from_str(BAR_TYPE),
            trade_size=Decimal("0.01"),
            fast_ema_period=10,
            slow_ema_period=30,
        )
    )


def run_once(
    bars: list, record: bool, seed: int, digest: bool, name: str = "ema"
) -> tuple[float, float, int, str | None]:
    """(CPU s, wall s, records, head) of one run. Both runs build the manifest with its bars
    digest, as ``run_backtest`` does whether it records or not (``metrics.json`` names the
    manifest); ``digest=False`` leaves it out of an unrecorded run (``--digest-on-only``)."""
    balances = [Money(1_000_000, USDT), Money(100, BTC)]
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        start, wall = time.process_time(), time.perf_counter()
        manifest = {"bench": True, "bars_digest": bars_digest(bars)} if record or digest else None
        result = execute(
            instrument(),
            bars,
            strategy(name),
            balances,
            seed=seed,
            log_dir=Path(tmp) / "events" if record else None,
            manifest=manifest,
            bar_type=BAR_TYPE,  # as run_backtest passes it: the bars are of one type
        )
        elapsed, wall = time.process_time() - start, time.perf_counter() - wall
    return elapsed, wall, result.records, result.head


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1, help="off/on pairs, alternating; best of each")
    parser.add_argument(
        "--digest-on-only",
        action="store_true",
        help="compute the manifest's bars digest in the recorded run only (counts it as recording cost)",
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run everything in this process (later runs inherit the memory earlier engines leak)",
    )
    parser.add_argument(
        "--strategy",
        choices=("ema", "idle"),
        default="ema",
        help="ema: NautilusTrader's EMACross (the target's run); idle: never trades (bar marks only)",
    )
    parser.add_argument("--child", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    both = not args.digest_on_only
    if args.child:  # one run in a fresh process: its figures as JSON on the last line
        bars = synthetic_bars(args.bars, args.seed)
        record = args.child == "on"
        print(json.dumps(run_once(bars, record=record, seed=args.seed, digest=both, name=args.strategy)))
        return 0
    t0 = time.perf_counter()
    bars = synthetic_bars(args.bars, args.seed)
    print(f"generated {len(bars):,} bars in {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    bars_digest(bars)
    print(
        f"bars digest (part of the manifest, {'both runs' if both else 'recorded run only'}): "
        f"{time.perf_counter() - t0:.2f}s"
    )
    # CPU time (not wall time: the machine is shared), best of --repeat alternating runs, each in
    # a fresh process unless --same-process (NautilusTrader's engines leak a little per run).
    runs: dict[bool, list] = {False: [], True: []}
    for _ in range(args.repeat):
        for record in (False, True):
            if args.same_process:
                runs[record].append(run_once(bars, record, args.seed, both, args.strategy))
            else:
                runs[record].append(child_run(args, record))
    off, off_wall, _, _ = min(runs[False])
    on, on_wall, records, head = min(runs[True])
    print(f"recorder off: {off:8.2f}s  {len(bars) / off:10,.0f} bars/s (CPU)   wall {off_wall:8.2f}s")
    print(
        f"recorder on:  {on:8.2f}s  {len(bars) / on:10,.0f} bars/s (CPU)   wall {on_wall:8.2f}s  "
        f"({records:,} records, head {head[:16]})"
    )
    if args.repeat > 1:
        print(
            "all runs (CPU s): off "
            + ", ".join(f"{r[0]:.2f}" for r in runs[False])
            + "; on "
            + ", ".join(f"{r[0]:.2f}" for r in runs[True])
        )
    print(f"CPU time on/off: {on / off:.3f}  (a recorded bar takes {100 * (on / off - 1):+.1f}% more time)")
    print(
        f"throughput on/off: {off / on:.3f}  (the recorder costs {100 * (1 - off / on):.1f}% of throughput; "
        "target: under 15%)"
    )
    return 0


def child_run(args: argparse.Namespace, record: bool) -> tuple:
    """``run_once`` in a fresh interpreter (same bars: same seed and count)."""
    command = [sys.executable, __file__, "--child", "on" if record else "off", "--bars", str(args.bars)]
    command += ["--seed", str(args.seed), "--strategy", args.strategy]
    command += ["--digest-on-only"] if args.digest_on_only else []
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return tuple(json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main())
