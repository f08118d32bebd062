"""``lineage walk-forward``: train on rolling/anchored windows, trade each next unseen window,
stitch the out-of-sample results; prints the run directory on its last line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.common import add_out_arg, add_param_arg, add_seed_arg
from engine.walkforward import EXECUTORS, WalkForwardConfig, make_executor, walk_forward
from engine.walkforward.errors import WalkForwardError
from engine.walkforward.runner import DEFAULT_WORK

MODEL_KINDS = ("xgb", "mlp", "lstm", "ensemble")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``walk-forward`` subcommand."""
    p = subparsers.add_parser("walk-forward", help="walk-forward analysis of a model over a catalog dataset")
    p.add_argument("--catalog", type=Path, required=True)
    p.add_argument("--instrument", required=True, metavar="SYMBOL.VENUE")
    p.add_argument("--bar", required=True, metavar="SPEC", help="bar spec, e.g. 5-MINUTE")
    p.add_argument("--model", choices=MODEL_KINDS, default="xgb")
    p.add_argument("--train", required=True, metavar="DURATION", help="training window, e.g. 7D")
    p.add_argument("--test", required=True, metavar="DURATION", help="test window, e.g. 1D")
    p.add_argument("--step", metavar="DURATION", help="shift between folds (default: --test)")
    p.add_argument("--anchored", action="store_true", help="expanding training window from the data start")
    p.add_argument(
        "--embargo", metavar="DURATION", help="drop training rows this long after each test window"
    )
    add_param_arg(p, expected="KEY=VALUE")
    p.add_argument("--executor", choices=EXECUTORS, default="serial")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--address", metavar="RAY_ADDRESS", help="join this Ray cluster instead of starting one")
    add_seed_arg(p)
    p.add_argument(
        "--trials",
        type=int,
        default=1,
        help="configurations tried outside this run (for the deflated Sharpe; x the search trials)",
    )
    p.add_argument("--trials-sharpe-var", type=float, default=0.0, help="variance of the trials' Sharpes")
    p.add_argument(
        "--search-trials",
        type=int,
        default=0,
        metavar="N",
        help="nested Optuna search: N trials per fold inside its training window (0 = off)",
    )
    p.add_argument(
        "--search-space",
        type=Path,
        metavar="FILE.json",
        help="search space {kind: {param: range}} (default: built-in ranges for xgb, mlp, lstm)",
    )
    p.add_argument(
        "--search-validation",
        type=float,
        default=0.25,
        metavar="FRACTION",
        help="last fraction of each training window that scores the trials",
    )
    p.add_argument("--work", default=DEFAULT_WORK, help="fold work as module:function (default: %(default)s)")
    add_out_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the walk-forward; exit 1 if any fold failed (the others are kept)."""
    if args.workers < 1:
        raise WalkForwardError(f"--workers: expected >= 1, got {args.workers}")
    config = WalkForwardConfig(
        catalog=args.catalog,
        instrument=args.instrument,
        bar=args.bar,
        train=args.train,
        test=args.test,
        model=args.model,
        step=args.step,
        anchored=args.anchored,
        embargo=args.embargo,
        params=dict(args.param),
        seed=args.seed,
        work=args.work,
        out=args.out,
        n_trials=args.trials,
        trials_sharpe_variance=args.trials_sharpe_var,
        search_trials=args.search_trials,
        search_space=args.search_space,
        search_validation=args.search_validation,
    )
    executor = make_executor(args.executor, args.workers, args.address, verbose=args.verbose)
    result = walk_forward(config, executor)
    s = result.summary
    for o in result.outcomes:
        if o.ok:
            oos = o.out_of_sample
            search = o.model.get("search")
            best = (
                f" best {search['best_params']} ({search['metric']} {search['best_value']:.4f})"
                if search
                else ""
            )
            print(
                f"{o.fold_id}: oos return {oos.get('total_return'):+.4f} sharpe {oos.get('sharpe'):.2f}"
                f"{best}{' (reused)' if o.reused else ''}"
            )
        else:
            print(f"{o.fold_id}: FAILED {o.error}", file=sys.stderr)
    stitched = s.get("stitched", {})
    print(
        f"folds {s['completed']}/{s['folds']} completed, {result.recomputed} computed, "
        f"{s['completed'] - result.recomputed} reused"
    )
    if "search" in s:
        found = s["search"]
        print(f"search: {found['trials_total']} trials over all folds; DSR counts {found['n_trials']}")
    if stitched:
        print(
            f"stitched oos return {stitched['total_return']:+.4f} sharpe {stitched['sharpe']:.2f} "
            f"PSR {s['psr']:.3f} DSR {s['dsr']:.3f}"
        )
    print(f"head {result.head}")
    print(result.run_dir)
    return 1 if s["failed"] else 0
