"""Argument groups and value parsers shared by several commands (one definition, one help text)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.errors import LineageError

Adder = argparse.ArgumentParser | argparse._ArgumentGroup


def split_key_value(
    text: str, option: str, expected: str = "key=value", *, strip: bool = False
) -> tuple[str, str]:
    """``"k=v"`` -> ``("k", "v")`` (``strip`` trims both); ``ArgumentTypeError`` naming ``option``
    when there is no ``=`` or no key."""
    key, sep, value = text.partition("=")
    if strip:
        key, value = key.strip(), value.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{option} {text!r}: expected {expected}")
    return key, value


def key_value(
    option: str = "--param", expected: str = "key=value", *, strip: bool = False
) -> Callable[[str], tuple[str, str]]:
    """An argparse ``type`` parsing ``KEY=VALUE`` with ``split_key_value``."""

    def parse(text: str) -> tuple[str, str]:
        return split_key_value(text, option, expected, strip=strip)

    return parse


def unique_params(pairs: Sequence[tuple[str, str]], option: str = "--param") -> dict[str, str]:
    """The ``KEY=VALUE`` pairs as a dict; ``LineageError`` when a key is given more than once."""
    params = dict(pairs)
    if len(params) != len(pairs):
        raise LineageError(f"{option}: a key is given more than once")
    return params


def add_param_arg(
    p: Adder, *, expected: str = "key=value", strip: bool = False, help: str | None = None
) -> None:
    """Repeatable ``--param KEY=VALUE`` collected as a list of pairs in ``args.param``."""
    p.add_argument(
        "--param",
        action="append",
        type=key_value("--param", expected, strip=strip),
        default=[],
        metavar="KEY=VALUE",
        help=help,
    )


def add_dataset_args(p: Adder, *, required: bool = True) -> None:
    """``--catalog DIR --instrument SYMBOL.VENUE --bar SPEC``: one bar dataset of a catalog."""
    p.add_argument("--catalog", required=required, type=Path, help="catalog directory")
    p.add_argument("--instrument", required=required, help="instrument id, SYMBOL.VENUE")
    p.add_argument("--bar", required=required, help="bar spec, e.g. 5-MINUTE")


def add_period_args(p: Adder, verb: str = "include") -> None:
    """``--start``/``--end``: the first and last bar close times to ``verb`` (ISO times)."""
    p.add_argument("--start", help=f"first bar close time to {verb} (ISO time)")
    p.add_argument("--end", help=f"last bar close time to {verb} (ISO time)")


def add_fee_args(p: Adder) -> None:
    """``--maker-fee``/``--taker-fee``: override the instrument's fee rates."""
    p.add_argument("--maker-fee", help="override the instrument's maker fee rate")
    p.add_argument("--taker-fee", help="override the instrument's taker fee rate")


def add_seed_arg(p: Adder, help: str | None = None) -> None:
    """``--seed N`` (default 0)."""
    p.add_argument("--seed", type=int, default=0, help=help)


def add_out_arg(p: Adder, help: str | None = None) -> None:
    """``--out DIR`` (default ``runs``): where run directories go."""
    p.add_argument("--out", type=Path, default=Path("runs"), help=help)
