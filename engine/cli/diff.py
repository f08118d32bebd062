"""``lineage diff RUN_A RUN_B``: do two runs (backtest or paper) make the same decisions?"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``diff`` subcommand."""
    p = subparsers.add_parser(
        "diff",
        help="compare two runs' decisions, fills and PnL from their logs (backtest/paper parity)",
        description="Exit 0 when the decision streams (ModelDecision, orders) match, 1 otherwise. "
        "Reports the first divergent decision, order, fill and PnL figure with both sides' values.",
    )
    p.add_argument("run_a", type=Path, metavar="RUN_A")
    p.add_argument("run_b", type=Path, metavar="RUN_B")
    p.add_argument(
        "--prefix", action="store_true", help="compare only as far as the shorter run got (a stopped session)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 when the decisions match."""
    from engine.audit.diff import diff_runs

    report = diff_runs(args.run_a, args.run_b, prefix=args.prefix)
    print(report.render())
    return 0 if report.ok else 1
