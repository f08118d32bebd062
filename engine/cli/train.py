"""``lineage train``: train a model on catalog bars and store it in the model catalog."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.cli.common import add_dataset_args, add_period_args, add_seed_arg, split_key_value
from engine.errors import LineageError
from engine.training import DEFAULT_MODEL_ROOT, LabelSpec, SplitSpec, TrainingConfig, train_model
from indicators import FeatureSet
from strategies.models import MODEL_KINDS


def _model_param(text: str) -> tuple[str, object]:
    key, value = split_key_value(text, "--model-param", "key=value (value as JSON)")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand."""
    p = subparsers.add_parser("train", help="train a model on catalog bars; prints NAME:VERSION last")
    add_dataset_args(p)
    p.add_argument("--model", required=True, choices=sorted(MODEL_KINDS))
    p.add_argument("--name", required=True, help="model name in the catalog")
    add_period_args(p, verb="use")
    add_seed_arg(p)
    p.add_argument("--features", default="default", help="'default' or a FeatureSet JSON file")
    p.add_argument("--horizon", type=int, default=12, help="label horizon in bars (max holding for barriers)")
    p.add_argument("--up", type=float, default=0.002, help="forward return above this is 'buy'")
    p.add_argument("--down", type=float, default=0.002, help="forward return below -this is 'sell'")
    p.add_argument(
        "--triple-barrier",
        nargs=2,
        type=float,
        metavar=("TAKE_PROFIT", "STOP_LOSS"),
        help="triple-barrier labels instead of forward returns",
    )
    p.add_argument("--vol-scaled", action="store_true", help="thresholds in units of recent volatility")
    p.add_argument("--split", default="0.6,0.2,0.2", help="train,validation,test fractions")
    p.add_argument("--embargo", type=int, help="rows left out after each split (default: the horizon)")
    p.add_argument("--model-param", action="append", type=_model_param, default=[], metavar="KEY=JSON")
    p.add_argument("--model-root", type=Path, default=DEFAULT_MODEL_ROOT, help="model catalog directory")
    p.set_defaults(func=run)


def _features(text: str) -> FeatureSet:
    if text == "default":
        return FeatureSet.default()
    path = Path(text)
    if not path.is_file():
        raise LineageError(f"--features {text}: no such file; expected 'default' or a FeatureSet JSON file")
    return FeatureSet.from_json(path.read_text(), source=str(path))


def _split(text: str, embargo: int) -> SplitSpec:
    try:
        a, b, c = (float(x) for x in text.split(","))
    except ValueError:
        raise LineageError(f"--split {text!r}: expected three fractions like 0.6,0.2,0.2") from None
    return SplitSpec(a, b, c, embargo)


def run(args: argparse.Namespace) -> int:
    """Train, print the metrics, then ``NAME:VERSION`` on the last line."""
    if args.triple_barrier:
        tp, sl = args.triple_barrier
        labels = LabelSpec(
            "triple_barrier", args.horizon, take_profit=tp, stop_loss=sl, vol_scaled=args.vol_scaled
        )
    else:
        labels = LabelSpec("forward", args.horizon, args.up, args.down, vol_scaled=args.vol_scaled)
    config = TrainingConfig(
        catalog=args.catalog,
        instrument_id=args.instrument,
        bar=args.bar,
        model=args.model,
        name=args.name,
        start=args.start,
        end=args.end,
        seed=args.seed,
        features=_features(args.features),
        labels=labels,
        split=_split(args.split, args.horizon if args.embargo is None else args.embargo),
        model_params=dict(args.model_param),
        model_root=args.model_root,
        progress=args.verbose or sys.stderr.isatty(),
    )
    result = train_model(config)
    for name, bounds in result.splits.items():
        m = result.metrics[name]
        da = m.get("directional_accuracy")
        print(
            f"{name:<10} {bounds['first']} .. {bounds['last']} rows={bounds['rows']} "
            f"accuracy={m['accuracy']:.4f} log_loss={m['log_loss']:.4f} "
            f"directional={'n/a' if da is None else f'{da:.4f}'} "
            f"f1={' '.join(f'{k}:{v:.3f}' for k, v in m['f1'].items())}"
        )
    print(f"warm-up bars: {result.warmup}; purged rows: {result.metrics['purged']}")
    print(f"content hash: {result.ref.content_hash}")
    print(str(result.ref))
    return 0
