"""``lineage features``: inspect feature sets."""

from __future__ import annotations

import argparse

from indicators.io import load_feature_set


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("features", help="inspect feature sets")
    sub = parser.add_subparsers(dest="features_command", metavar="ACTION")
    sub.required = True
    lst = sub.add_parser("list", help="print one feature name per line")
    lst.add_argument(
        "--set", dest="feature_set", default="default", help="'default' or a FeatureSet JSON file"
    )
    lst.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    for name in load_feature_set(args.feature_set).names:
        print(name)
    return 0
