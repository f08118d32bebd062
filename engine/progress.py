"""Progress bars and logging set-up for long jobs (backtests, walk-forward, evolution).

``progress`` wraps tqdm, always writing to stderr so stdout stays clean for tables and JSON. It
shows a bar only when stderr is a terminal (or when forced with ``enabled=True``, e.g. ``--verbose``),
so scripts, CI and tests stay quiet.

NautilusTrader logs through its own Rust logger, not Python's ``logging``: keep it quiet by giving
every engine ``LoggingConfig(log_level="ERROR", bypass_logging=not verbose)`` (``log_level="INFO"``
with ``--verbose``), as ``engine.backtest.execution.build_engine`` does; ``nautilus_logging_config``
returns that config. ``configure_logging`` only governs Lineage's own Python loggers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def progress_enabled(enabled: bool | None = None) -> bool:
    """``enabled`` if given, else whether stderr is an interactive terminal."""
    if enabled is not None:
        return bool(enabled)
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def progress(
    iterable: Iterable[T] | int | None = None, desc: str = "", enabled: bool | None = None, **options: Any
) -> tqdm:
    """A tqdm bar over ``iterable`` (or a manual bar of ``total`` steps when given an int) on stderr.

    Disabled bars still iterate and accept ``update()``; they just print nothing.
    """
    if isinstance(iterable, int):
        options.setdefault("total", iterable)
        iterable = None
    return tqdm(
        iterable,
        desc=desc,
        disable=not progress_enabled(enabled),
        file=sys.stderr,
        dynamic_ncols=True,
        **options,
    )


def configure_logging(verbose: bool = False) -> None:
    """Lineage's Python logging: INFO with ``verbose``, else WARNING, to stderr (idempotent)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format=LOG_FORMAT, stream=sys.stderr, force=True
    )


def nautilus_logging_config(verbose: bool = False) -> Any:
    """NautilusTrader's ``LoggingConfig``: errors only unless ``verbose`` (then INFO)."""
    from nautilus_trader.config import LoggingConfig

    return LoggingConfig(log_level="INFO" if verbose else "ERROR", bypass_logging=not verbose)
