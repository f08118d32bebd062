"""Tutorial: paper trading against the local exchange simulator, then an audit of the session.

Run from the repo root:  python runs/tutorial_paper.py [OUT_DIR]     (default OUT_DIR: runs/tutorial-paper)

Everything runs in this one process, offline, with no API keys:

1. ``ExchangeSimulator`` serves the sample catalog's recorded Binance BTCUSDT trades and quotes
   (2021-01-08) as a Binance-spot-compatible REST/WebSocket exchange on 127.0.0.1, replayed at 20x;
2. ``run_paper_session`` runs the ``round-trip`` strategy (buy, hold for 30 trades, sell; twice) on
   a NautilusTrader TradingNode fed by Lineage's public-data client, with the Sandbox venue
   simulating fills, for a few seconds, recording every event into ``OUT_DIR/session/log``;
3. the simulator is stopped, and ``audit_run`` verifies the session's chain and balances.

Prints the simulator URL, every fill (side, quantity, price), the session line
(``fills=N gaps=0 received=... rejected=0 stopped_by=duration``), the audit verdict and the run
directory. The same session from the shell: ``lineage exchange-sim`` + ``lineage paper`` (see
docs/paper-trading.md).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing

from engine.audit import audit_run
from engine.catalog import sample_catalog
from engine.exchange_sim import ExchangeSimulator
from engine.paper import PaperSessionConfig, run_paper_session

INSTRUMENT = "BTCUSDT.BINANCE"  # the simulator serves the catalog's BTCUSDT.SIM under Binance's name


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs") / "tutorial-paper"
    run_dir = out / "session"
    shutil.rmtree(run_dir, ignore_errors=True)  # a run directory that exists would be resumed
    with ExchangeSimulator(sample_catalog(), INSTRUMENT, speed=20) as sim:
        print(f"exchange simulator: {sim.base_url}")
        result = run_paper_session(
            PaperSessionConfig(
                strategy="round-trip",
                instrument_id=INSTRUMENT,
                run_dir=run_dir,
                params={"trade_size": "0.0002", "hold": "30", "cycles": "2"},
                exchange_url=sim.base_url,
                starting_balances=("1000 USDT",),
                duration=4.0,  # seconds of wall time (80 s of market time at 20x)
                log_level="ERROR",  # NautilusTrader's own log: errors only (feed rejections are errors)
            )
        )
        sent = sim.sent
    print(f"exchange simulator stopped after sending {sent} messages")
    for f in result.fills:
        print(f"fill: {f['side']} {f['qty']} @ {f['price']} (commission {f['commission']})")
    print(
        f"fills={len(result.fills)} gaps={len(result.gaps)} received={result.messages_received} "
        f"rejected={result.messages_rejected} stopped_by={result.stopped_by}"
    )
    report = audit_run(run_dir)
    print(f"audit: {'OK' if report.ok else 'FAILED'} ({report.records} records, chain head {report.head})")
    for problem in report.problems:
        print(f"problem: {problem}")
    print(result.run_dir)
    return 0 if report.ok and result.fills else 1


if __name__ == "__main__":
    sys.exit(main())
