"""Tutorial: recorded backtests from a Python script, compared with buy-and-hold, with an HTML report.

Run from the repo root:  python runs/tutorial_backtest.py [OUT_DIR]     (default OUT_DIR: runs/tutorial)

It builds the bundled sample catalog (real ETH/BTC 5-minute bars, Binance, January 2018) on first
use, then backtests two strategies on the same bars:

1. ``ema-cross``, Lineage's own baseline (a registry name, see ``lineage strategies``);
2. NautilusTrader's own ``EMACross`` example strategy, loaded unchanged as ``module:Class``.

Prints, for each: the summary table (strategy vs buy-and-hold on the same bars), the chain head of
its event log and its run directory; then the path of the HTML report written for the first run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing

from engine.backtest import BacktestConfig, run_backtest
from engine.catalog import sample_catalog
from engine.reports import render_report
from engine.atomic import write_text_atomic
from engine.reports.loader import load_run_view

INSTRUMENT, BAR = "ETHBTC.SIM", "5-MINUTE"
NAUTILUS_EMA_CROSS = "nautilus_trader.examples.strategies.ema_cross:EMACross"


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs") / "tutorial"
    catalog = sample_catalog()  # catalogs/sample, built from catalogs/sources on first use

    # One config holds the data, venue and seed; each run changes only the strategy.
    base = BacktestConfig(
        catalog=catalog,
        instrument_id=INSTRUMENT,
        bar=BAR,
        strategy="ema-cross",
        params={"fast": "10", "slow": "30"},
        balances=("10 BTC",),
        seed=1,
        start="2018-01-20",  # bar close times; the metrics cover start..end
        end="2018-01-30",
        warmup_bars=30,  # bars before start fed as indicator history only
        out=out,
    )
    runs = {
        "Lineage baseline: ema-cross 10/30": run_backtest(base),
        # Any NautilusTrader Strategy runs unchanged; string params fill its config.
        "NautilusTrader example: EMACross 10/30": run_backtest(
            base,
            strategy=NAUTILUS_EMA_CROSS,
            params={"fast_ema_period": "10", "slow_ema_period": "30", "trade_size": "1"},
        ),
    }
    for title, run in runs.items():
        print(f"== {title} ==")
        print(run.summary.rstrip())
        print(f"chain head: {run.head}")
        print(f"run directory: {run.run_dir}\n")

    first = next(iter(runs.values()))
    report = write_text_atomic(first.run_dir / "report.html", render_report(load_run_view(first.run_dir)))
    print(f"report: {report}")
    print(f"next: lineage audit {first.run_dir} --reexecute")
    return 0


if __name__ == "__main__":
    sys.exit(main())
