"""``lineage models``: list the model catalog and show (after verifying) one model's card."""

from __future__ import annotations

import argparse
import dataclasses
import json

from engine.models import DEFAULT_ROOT, ModelCatalog


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``models`` command with its ``list`` and ``show`` actions."""
    parser = subparsers.add_parser("models", help="list or inspect saved models")
    parser.add_argument(
        "--root", default=str(DEFAULT_ROOT), help="model catalog folder (default: %(default)s)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help="every saved model as name:version and content hash")
    show = actions.add_parser("show", help="verify a model's bytes and print its card as JSON")
    show.add_argument("spec", help="name[:version] (latest version when omitted)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``lineage models list|show``."""
    catalog = ModelCatalog(args.root)
    if args.action == "list":
        for ref in catalog.list():
            print(f"{ref}\t{ref.content_hash}")
        return 0
    card = catalog.verify(args.spec)
    print(json.dumps(dataclasses.asdict(card), indent=2, sort_keys=True))
    return 0
