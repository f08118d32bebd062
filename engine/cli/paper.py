"""``lineage paper``: run a strategy on a live feed (Binance public streams or the local simulator)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from engine.cli.common import add_param_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``paper`` subcommand."""
    p = subparsers.add_parser(
        "paper",
        help="paper-trade a strategy on a live feed with simulated fills (no API keys needed)",
        description="Runs until --duration elapses or SIGINT/SIGTERM. The last line printed is the run dir.",
    )
    p.add_argument(
        "--strategy", required=True, help="registry name (see `lineage strategies`) or module:Class"
    )
    add_param_arg(p, strip=True, help="strategy config value")
    p.add_argument("--instrument", required=True, help="SYMBOL.VENUE, e.g. BTCUSDT.BINANCE")
    p.add_argument("--bar", help="bar spec such as 1-MINUTE-LAST-EXTERNAL (fills the strategy's bar_type)")
    p.add_argument(
        "--exchange-url", default="https://api.binance.com", help="REST base URL (or exchange-sim's)"
    )
    p.add_argument("--run", type=Path, help="run directory (default runs/paper-<utc time>-<pid>)")
    p.add_argument("--duration", type=float, help="seconds to run before stopping cleanly")
    p.add_argument("--balance", action="append", help="starting balance such as '100000 USDT' (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the session and print its run directory last."""
    from engine.paper.session import PaperSessionConfig, run_paper_session  # heavy: import on use

    run_dir = (
        args.run or Path("runs") / f"paper-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}"
    )
    cfg = PaperSessionConfig(
        strategy=args.strategy,
        instrument_id=args.instrument,
        run_dir=run_dir,
        params=dict(args.param),
        bar=args.bar,
        exchange_url=args.exchange_url,
        duration=args.duration,
        starting_balances=tuple(args.balance or ("1000000 USDT",)),
        log_level="INFO" if args.verbose else "ERROR",  # NautilusTrader warnings only with --verbose
    )
    result = run_paper_session(cfg)
    print(
        f"fills={len(result.fills)} gaps={len(result.gaps)} received={result.messages_received} "
        f"rejected={result.messages_rejected} stopped_by={result.stopped_by}",
        flush=True,
    )
    print(result.run_dir, flush=True)
    return 0
