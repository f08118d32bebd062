"""``lineage backtest``: run a strategy over catalog bars and record the run."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.backtest import BacktestConfig, run_backtest
from engine.cli.common import (
    add_dataset_args,
    add_fee_args,
    add_out_arg,
    add_param_arg,
    add_period_args,
    add_seed_arg,
    unique_params,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``backtest`` subcommand."""
    p = subparsers.add_parser("backtest", help="run a recorded backtest on catalog data")
    add_dataset_args(p)
    p.add_argument("--strategy", required=True, help="registry name or module:Class")
    add_param_arg(p)
    add_seed_arg(p)
    p.add_argument(
        "--balance",
        action="append",
        default=[],
        metavar="'10 BTC'",
        help="starting balance (repeatable); default 10 of the quote currency",
    )
    add_fee_args(p)
    add_period_args(p)
    p.add_argument(
        "--warmup",
        type=int,
        default=0,
        metavar="BARS",
        help="bars before --start fed as history only (feature warm-up); metrics cover --start..--end",
    )
    add_out_arg(p, help="where run directories go (default runs/)")
    p.set_defaults(func=run)


def backtest_config(args: argparse.Namespace, **extra: Any) -> BacktestConfig:
    """The ``BacktestConfig`` named by the dataset, strategy, param, seed, balance, fee and period
    options of ``args``; ``extra`` sets the remaining fields."""
    return BacktestConfig(
        catalog=args.catalog,
        instrument_id=args.instrument,
        bar=args.bar,
        strategy=args.strategy,
        params=unique_params(args.param),
        seed=args.seed,
        balances=tuple(args.balance),
        maker_fee=args.maker_fee,
        taker_fee=args.taker_fee,
        start=args.start,
        end=args.end,
        verbose=args.verbose,
        **extra,
    )


def run(args: argparse.Namespace) -> int:
    """Run the backtest; print the summary, then the run directory on the last line."""
    config = backtest_config(
        args, warmup_bars=args.warmup, out=args.out, progress=args.verbose or sys.stderr.isatty()
    )
    result = run_backtest(config)
    print(result.summary.rstrip())
    print(f"chain head: {result.head}")
    print(result.run_dir)
    return 0
