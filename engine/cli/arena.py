"""``lineage arena``: evolve agents on catalog data, evaluate the champions in the engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.common import add_out_arg, add_seed_arg


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``arena`` subcommand."""
    p = subparsers.add_parser("arena", help="evolve trading agents, evaluate the champions")
    p.add_argument("--catalog", type=Path, required=True, help="catalog directory")
    p.add_argument("--instrument", required=True, metavar="SYMBOL.VENUE")
    p.add_argument("--bar", required=True, metavar="SPEC", help="bar spec, e.g. 5-MINUTE")
    p.add_argument("--agents", type=int, required=True, metavar="N")
    p.add_argument("--generations", type=int, required=True, metavar="G")
    add_seed_arg(p)
    p.add_argument("--executor", choices=("serial", "ray"), default="serial")
    p.add_argument("--workers", type=int, default=2, help="Ray CPUs (executor ray)")
    p.add_argument("--start", metavar="T", help="training start (bar close time)")
    p.add_argument("--end", metavar="T", help="training end (default: 70%% of the bars)")
    p.add_argument("--eval-start", metavar="T", help="evaluation start (default: right after training)")
    p.add_argument("--eval-end", metavar="T")
    p.add_argument("--generation-bars", type=int, default=288, help="bars each generation trades")
    p.add_argument("--evaluate-top", type=int, default=2, help="champions to backtest on the eval period")
    p.add_argument("--balance", help="evaluation starting balance, e.g. '10 BTC'")
    add_out_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the arena, print its summary, and the run directory on the last line."""
    from engine.arena import ArenaConfig, run_arena

    result = run_arena(
        ArenaConfig(
            catalog=args.catalog,
            instrument_id=args.instrument,
            bar=args.bar,
            agents=args.agents,
            generations=args.generations,
            seed=args.seed,
            executor=args.executor,
            workers=args.workers,
            start=args.start,
            end=args.end,
            eval_start=args.eval_start,
            eval_end=args.eval_end,
            generation_bars=args.generation_bars,
            evaluate_top=args.evaluate_top,
            balance=args.balance,
            out=args.out,
            verbose=bool(getattr(args, "verbose", False)),
        )
    )
    print(result.summary.rstrip())
    print(result.run_dir)
    return 0
