"""One strategy run for look-ahead analysis: the backtest's data cut after a given bar, decisions tapped.

The engine is run in streaming mode and the decisions are read before it ends, so orders a
strategy places when it stops (closing positions at the end of the data) are not mistaken for
decisions at the last bar.
"""

from __future__ import annotations

import shutil
import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money

from engine.backtest.config import BacktestConfig
from engine.backtest.data import load_data, starting_balances
from engine.backtest.execution import build_engine
from engine.backtest.strategies import build_strategy
from engine.catalog import dataset_info, load_bars, load_instrument
from engine.lookahead.decisions import Decisions, DecisionTap
from engine.lookahead.truncate import write_truncated_catalog


@dataclass(frozen=True)
class RunInputs:
    """A backtest's inputs loaded once: the engine's bars (start..end) and the catalog history."""

    instrument: Instrument  # with fee overrides, as the engine trades it
    stored_instrument: Instrument  # as the catalog stores it
    bars: list[Bar]  # the bars the backtest replays
    history: list[Bar]  # every catalog bar of this type (a strategy may read before ``start``)
    history_ts: list[int]
    bar_type: str
    entry: dict[str, Any]
    balances: list[Money]

    def history_upto(self, cut_ns: int) -> list[Bar]:
        """Catalog bars with ``ts_init <= cut_ns``."""
        return self.history[: bisect_right(self.history_ts, cut_ns)]


def load_inputs(config: BacktestConfig) -> RunInputs:
    """Load the instrument, bars and dataset entry of ``config`` (raises ``LineageError`` if absent)."""
    data = load_data(config)
    history = load_bars(config.catalog, config.instrument_id, config.bar)
    return RunInputs(
        instrument=data.instrument,
        stored_instrument=load_instrument(config.catalog, config.instrument_id),
        bars=data.bars,
        history=history,
        history_ts=[b.ts_init for b in history],
        bar_type=data.bar_type,
        entry=dataset_info(config.catalog, config.instrument_id, "bars", config.bar),
        balances=starting_balances(config, data.instrument),
    )


def run_decisions(
    config: BacktestConfig, inputs: RunInputs, cut: int | None = None, workdir: Path | None = None
) -> Decisions:
    """Run ``config``'s strategy on its bars up to and including index ``cut`` (all when None).

    The strategy's ``catalog`` is a temporary copy holding only bars known at the cut.
    """
    bars = inputs.bars if cut is None else inputs.bars[: cut + 1]
    tmp = Path(tempfile.mkdtemp(prefix="lookahead-", dir=workdir))
    engine = None
    try:
        catalog = write_truncated_catalog(
            tmp / "catalog",
            inputs.stored_instrument,
            inputs.history_upto(bars[-1].ts_init),
            inputs.entry,
        )
        engine = build_engine(
            inputs.instrument, bars, inputs.balances, seed=config.seed, verbose=config.verbose
        )
        tap = DecisionTap()
        engine.add_actor(tap)
        strategy = build_strategy(
            config.strategy,
            config.params,
            instrument_id=config.instrument_id,
            bar_type=inputs.bar_type,
            context={"catalog": str(catalog)},
        )
        engine.add_strategy(strategy)
        engine.run(streaming=True)
        decisions = tap.decisions  # before end(): stop-time exits are no decisions
        engine.end()
        return decisions
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


_CACHE: dict[tuple, RunInputs] = {}


def _inputs_key(config: BacktestConfig) -> tuple:
    return (
        str(Path(config.catalog).resolve()),
        config.instrument_id,
        config.bar,
        config.start,
        config.end,
        config.balances,
        config.maker_fee,
        config.taker_fee,
    )


def cached_inputs(config: BacktestConfig) -> RunInputs:
    """``load_inputs`` memoised per process (pool workers load the data once)."""
    key = _inputs_key(config)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_inputs(config)
    return _CACHE[key]


def rerun_task(config: BacktestConfig, cut: int, workdir: str | None) -> tuple[int, Decisions]:
    """Process-pool entry point: the decisions of a run cut after bar index ``cut``."""
    inputs = cached_inputs(config)
    return cut, run_decisions(config, inputs, cut, Path(workdir) if workdir else None)
