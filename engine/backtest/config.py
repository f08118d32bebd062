"""What a backtest is asked to do (``BacktestConfig``) and what it gives back (``RunResult``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BacktestConfig:
    """One backtest: data (catalog, instrument, bar spec, optional start/end on bar close time),
    strategy (registry name or ``module:Class``) with string parameters, seed, venue set-up and
    where to write the run.

    ``balances`` are Money strings (``"10 BTC"``); empty means 10 units of the quote currency.
    ``maker_fee``/``taker_fee`` override the instrument's fee rates (Decimal strings).
    ``warmup_bars`` extra bars before ``start`` are fed to the strategy as history (indicator and
    feature warm-up) but metrics and the buy-and-hold comparison cover ``start``..``end`` only.
    ``progress`` shows a bar count on stderr (off by default: scripts stay quiet); it is not part
    of the manifest and changes nothing recorded.
    """

    catalog: Path
    instrument_id: str
    bar: str
    strategy: str
    params: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    balances: tuple[str, ...] = ()
    maker_fee: str | None = None
    taker_fee: str | None = None
    start: str | None = None
    end: str | None = None
    warmup_bars: int = 0
    out: Path = Path("runs")
    record: bool = True
    marks_every: int = 1024
    verbose: bool = False
    progress: bool = False


@dataclass(frozen=True)
class RunResult:
    """A finished backtest: where it was written (None when not recorded), the log's chain head
    and the metrics (the same dict as ``metrics.json``)."""

    run_id: str | None
    run_dir: Path | None
    head: str | None
    metrics: dict[str, Any]
    summary: str
