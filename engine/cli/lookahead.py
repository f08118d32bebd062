"""``lineage lookahead``: flag features and strategy decisions that change when later data is removed.

Bars come from a file (``--bars``) or a catalog (``--catalog --instrument --bar``). Features are
checked with ``--features`` (``default`` or a FeatureSet JSON file; checked by default when no
strategy is given); a strategy (catalog form only) with ``--strategy`` and ``--param``s.
Prints one line per biased feature or decision and a final verdict line (or ``--json``); exits 0
when nothing is biased, 1 when something is, 2 on errors.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import pandas as pd

from engine.catalog import bars_frame
from engine.cli.backtest import backtest_config
from engine.cli.common import add_dataset_args, add_fee_args, add_param_arg, add_period_args, add_seed_arg
from engine.errors import LineageError
from engine.lookahead import StrategyLookaheadReport, strategy_lookahead
from indicators.io import load_feature_set, read_bars_file
from indicators.lookahead import LookaheadReport, feature_lookahead

FEATURE_SAMPLES = 20  # default cut times for features; strategies default to every decision


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lookahead`` subcommand."""
    p = subparsers.add_parser(
        "lookahead", help="check features and/or a strategy's decisions for look-ahead bias"
    )
    src = p.add_argument_group("bars (a file, or a catalog dataset)")
    src.add_argument("--bars", help="bars file (.parquet or .csv) with ts, open, high, low, close, volume")
    add_dataset_args(src, required=False)
    add_period_args(src)
    p.add_argument("--features", help="'default' or a FeatureSet JSON file (default when no --strategy)")
    p.add_argument("--strategy", help="registry name or module:Class (catalog form only)")
    add_param_arg(p)
    p.add_argument("--balance", action="append", default=[], metavar="'10 BTC'", help="starting balance")
    add_fee_args(p)
    p.add_argument(
        "--samples",
        type=int,
        help=f"cut times to sample (default: {FEATURE_SAMPLES} for features, every decision for a strategy)",
    )
    add_seed_arg(p, help="seed for sampling cut times (and the fill model)")
    p.add_argument("--workers", type=int, default=1, help="processes for strategy reruns (default 1)")
    p.add_argument("--tol", type=float, default=0.0, help="relative tolerance on model probabilities")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    p.set_defaults(func=run)


def _check_source(args: argparse.Namespace) -> None:
    catalog_form = [args.catalog, args.instrument, args.bar]
    if args.bars and any(v is not None for v in catalog_form):
        raise LineageError("lookahead: give either --bars FILE or --catalog/--instrument/--bar, not both")
    if not args.bars and any(v is None for v in catalog_form):
        raise LineageError(
            "lookahead: expected --bars FILE, or all of --catalog DIR --instrument ID --bar SPEC"
        )
    if args.strategy and args.bars:
        raise LineageError("lookahead --strategy: needs the catalog form (--catalog/--instrument/--bar)")


def load_bars(args: argparse.Namespace) -> pd.DataFrame:
    """The bars features are checked on: the file, or the catalog dataset between start and end."""
    if args.bars:
        return read_bars_file(args.bars)
    return bars_frame(args.catalog, args.instrument, args.bar, args.start, args.end)


def _feature_lines(report: LookaheadReport, n_features: int, n_bars: int) -> list[str]:
    lines = [f"checked {n_features} features at {len(report.cut_times)} cut times on {n_bars} bars"]
    lines += [
        f"BIASED {name}: values changed when data was cut at {report.first_changed[name]}"
        for name in report.biased
    ]
    return lines


def _strategy_lines(report: StrategyLookaheadReport) -> list[str]:
    lines = [
        f"checked {report.decisions} decisions of {report.strategy} at {len(report.cut_times)} cut times "
        f"on {report.bars} bars"
    ]
    lines += [
        f"BIASED decision at {b.time} (data cut at {b.cut}): full run: {b.full}; cut run: {b.truncated}"
        for b in report.biased
    ]
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the requested checks; print findings and a verdict; 0 if clean, 1 if anything is biased."""
    _check_source(args)
    if args.samples is not None and args.samples < 1:
        raise LineageError(f"--samples {args.samples}: expected a positive number")
    features = args.features or (None if args.strategy else "default")
    out: dict[str, Any] = {}
    lines: list[str] = []
    biased = 0
    if features is not None:
        bars = load_bars(args)
        feature_set = load_feature_set(features)
        n = args.samples if args.samples is not None else FEATURE_SAMPLES
        report = feature_lookahead(bars, feature_set, n_samples=n, seed=args.seed, tol=args.tol)
        lines += _feature_lines(report, len(feature_set.names), len(bars))
        biased += len(report.biased)
        out["features"] = {
            "checked": len(feature_set.names),
            "cuts": len(report.cut_times),
            "bars": len(bars),
            "biased": {name: str(report.first_changed[name]) for name in report.biased},
        }
    if args.strategy:
        report_s = strategy_lookahead(
            backtest_config(args, record=False),
            samples=args.samples,
            seed=args.seed,
            workers=args.workers,
            tol=args.tol,
            show_progress=True if args.verbose else None,
        )
        lines += _strategy_lines(report_s)
        biased += len(report_s.biased)
        out["strategy"] = report_s.to_dict()
    out["ok"] = biased == 0
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=True))
    else:
        lines.append("verdict: no look-ahead bias found" if biased == 0 else f"verdict: {biased} biased")
        print("\n".join(lines))
    return 0 if biased == 0 else 1
