"""``lineage exchange-sim``: serve recorded market data over Binance-spot-compatible REST/WebSocket."""

from __future__ import annotations

import argparse
import math
import signal
import threading

from engine.exchange_sim import ExchangeSimulator


def _speed(text: str) -> float:
    value = float(text)
    if value < 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"speed {text!r}: expected 0, inf or a positive multiple")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``exchange-sim`` subcommand."""
    p = subparsers.add_parser(
        "exchange-sim",
        help="replay recorded data as a local Binance-spot-compatible exchange on 127.0.0.1",
        description="Serve until stopped (SIGINT/SIGTERM). The first line printed is the base URL.",
    )
    p.add_argument("--catalog", required=True, help="source folder (catalogs/sources/crypto) or catalog dir")
    p.add_argument("--instrument", required=True, help="SYMBOL.VENUE, e.g. BTCUSDT.BINANCE")
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    p.add_argument(
        "--speed", type=_speed, default=1.0, help="replay speed multiple; 0 or inf = as fast as possible"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the simulator, print its base URL, and serve until a stop signal arrives."""
    sim = ExchangeSimulator(args.catalog, args.instrument, port=args.port, speed=args.speed)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    sim.start()
    try:
        print(sim.base_url, flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"stopped after sending {sim.sent} messages", flush=True)
    return 0
