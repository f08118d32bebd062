"""The ``lineage`` command line: one subcommand per user task, each in its own module.

Each command module exposes ``register(subparsers)`` which adds its parser and sets
``func(args) -> int`` as the handler. Add a new command by listing its module in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence

from engine.errors import LineageError

COMMANDS: tuple[str, ...] = (
    # Add command modules here (names under engine.cli), one per user task.
    "catalog",
    "models",
    "strategies",
    "report",
    "runs",
    "log",
    "features",
    "lookahead",
    "backtest",
    "audit",
    "train",
    "exchange_sim",
    "paper",
    "demo",
    "walkforward",
    "arena",
    "diff",
)


def _chosen_module(argv: Sequence[str]) -> str | None:
    """The command module named by the first non-option argument, if it is a known one."""
    for arg in argv:
        if not arg.startswith("-"):
            names = (arg.replace("-", "_"), arg.replace("-", ""))  # exchange-sim, walk-forward
            return next((name for name in names if name in COMMANDS), None)
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser. With ``argv`` naming a command, only that command's module is
    imported (commands import heavy libraries); otherwise every command is registered (help)."""
    parser = argparse.ArgumentParser(prog="lineage", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="show detail and engine logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    chosen = _chosen_module(argv) if argv is not None else None
    for name in (chosen,) if chosen else COMMANDS:
        importlib.import_module(f"engine.cli.{name}").register(sub)
    for command in sub.choices.values():  # `lineage CMD --verbose` works as `lineage --verbose CMD`
        with contextlib.suppress(argparse.ArgumentError):
            command.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lineage`` console script; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except LineageError as exc:
        print(f"lineage {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
