"""``lineage strategies [NAME]``: list the known strategies, or one strategy's parameters."""

from __future__ import annotations

import argparse

import msgspec

from strategies.registry import SHORT_NAME_DEFAULTS, SHORT_NAMES, describe_type, resolve_strategy


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``strategies`` subcommand."""
    parser = subparsers.add_parser(
        "strategies", help="list strategies, or the parameters of one (short name or module:Class)"
    )
    parser.add_argument("name", nargs="?", help="short name (e.g. ema-cross) or module:Class")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the short names, or NAME's config parameters with their types and defaults."""
    if args.name is None:
        for short, path in SHORT_NAMES.items():
            implied = " ".join(f"{k}={v}" for k, v in SHORT_NAME_DEFAULTS.get(short, {}).items())
            print(f"{short:<14} {path}{'  (' + implied + ')' if implied else ''}")
        return 0
    strategy_cls, config_cls = resolve_strategy(args.name)
    print(f"{args.name}: {strategy_cls.__module__}:{strategy_cls.__name__} ({config_cls.__name__})")
    implied = SHORT_NAME_DEFAULTS.get(args.name, {})
    if implied:
        print("  implied: " + " ".join(f"{k}={v}" for k, v in implied.items()))
    for field in msgspec.structs.fields(config_cls):
        default = "required" if field.required else f"default {field.default!r}"
        print(f"  {field.name:<40} {describe_type(field.type):<28} {default}")
    return 0
