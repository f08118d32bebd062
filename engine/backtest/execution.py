"""The core of a backtest: one NautilusTrader engine over given (instrument, bars, strategy),
optionally recorded into an event log. Knows nothing about catalogs or run directories.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_trader.backtest.config import BacktestEngineConfig
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.backtest.models import FillModel
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import TraderId
from nautilus_trader.model.instruments import CurrencyPair, Equity, Instrument
from nautilus_trader.model.objects import Money
from nautilus_trader.portfolio.config import PortfolioConfig
from nautilus_trader.trading.strategy import Strategy

from engine.backtest.bar_progress import BarProgress
from engine.backtest.figures import collect_figures
from engine.backtest.flips import FlipKeeper
from engine.backtest.housekeeping import PURGE_EVERY, OrderPurger
from engine.backtest.keepers import AccountKeeper
from engine.eventlog import EventLog
from engine.recording.recorder import Recorder

TRADER_ID = "LINEAGE-001"
MARGIN_MODEL = "leveraged"
"""NautilusTrader's default margin model: margin = notional / leverage x the instrument's rate."""
DEFAULT_LEVERAGE = Decimal(10)
"""The leverage of MARGIN accounts (NautilusTrader's ``BacktestEngine`` default, set explicitly)."""
RECORD_BATCH = 8192  # bus messages the recorder queues before recording them (see ``Recorder``)


@dataclass(frozen=True, slots=True)
class Execution:
    """What one engine run produced: its own figures, and the log's head if it was recorded."""

    figures: dict[str, Any]
    head: str | None
    records: int
    bars: int


def default_account_type(instrument: Instrument) -> str:
    """CASH for spot pairs and equities, MARGIN for everything NautilusTrader trades on margin."""
    return "CASH" if isinstance(instrument, CurrencyPair | Equity) else "MARGIN"


_NEVER_MS = 10**12  # ~31 years: an account state is logged once, then not again in a backtest


def build_engine(
    instrument: Instrument,
    bars: Sequence[Bar],
    balances: Sequence[Money],
    *,
    seed: int,
    verbose: bool = False,
    purge_every: int | None = PURGE_EVERY,
    account_type: str | None = None,
) -> BacktestEngine:
    """A BacktestEngine with a seeded NETTING venue for ``instrument`` and its bars loaded.

    ``account_type`` is ``"CASH"`` or ``"MARGIN"`` (as the catalog records per dataset); by default
    spot pairs and equities get a CASH account and derivatives (perpetuals, futures, options) MARGIN.

    Unless ``purge_every`` is None, an ``OrderPurger`` drops closed orders from the cache every
    ``purge_every`` bars so long runs stay linear (see ``engine.backtest.housekeeping``); a
    ``FlipKeeper`` keeps the position cycles a flip closes and an ``AccountKeeper`` the account
    states as published (see ``engine.backtest.flips`` and ``engine.backtest.keepers``)."""
    logging = LoggingConfig(log_level="INFO" if verbose else "ERROR", bypass_logging=not verbose)
    # With logging bypassed, the portfolio would still format every AccountState it applies into a
    # log line nobody receives (about a sixth of its work per fill): its logging interval skips that.
    portfolio = None if verbose else PortfolioConfig(min_account_state_logging_interval_ms=_NEVER_MS)
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId(TRADER_ID), logging=logging, portfolio=portfolio, run_analysis=False
        )
    )
    account = AccountType[account_type or default_account_type(instrument)]
    engine.add_venue(
        instrument.id.venue,
        oms_type=OmsType.NETTING,
        account_type=account,
        default_leverage=DEFAULT_LEVERAGE if account == AccountType.MARGIN else Decimal(1),
        starting_balances=list(balances),
        fill_model=FillModel(random_seed=seed),
    )
    engine.add_instrument(instrument)
    engine.add_data(list(bars))
    engine.add_actor(FlipKeeper())
    engine.add_actor(AccountKeeper())
    if purge_every is not None and bars:
        engine.add_actor(OrderPurger(bars[0].bar_type, purge_every))
    return engine


def add_strategy(engine: BacktestEngine, strategy: Strategy, bars: Sequence[Bar]) -> None:
    """Add ``strategy`` to ``engine``, first handing it the bars the engine will replay if it asks
    for them (``attach_replay_bars(bars)``: e.g. ``MLStrategy``'s fast path batches its features
    and predictions from exactly these objects instead of reading the catalog again)."""
    attach = getattr(strategy, "attach_replay_bars", None)
    if callable(attach):
        attach(bars)
    engine.add_strategy(strategy)


def margin_terms(account_type: str) -> dict[str, Any] | None:
    """How a MARGIN account computes margins (for the manifest; None for CASH accounts)."""
    if account_type != "MARGIN":
        return None
    return {"model": MARGIN_MODEL, "default_leverage": str(DEFAULT_LEVERAGE), "leverages": {}}


def execute(
    instrument: Instrument,
    bars: Sequence[Bar],
    strategy: Strategy,
    balances: Sequence[Money],
    *,
    seed: int,
    log_dir: Path | None = None,
    manifest: dict[str, Any] | None = None,
    marks_every: int = 1024,
    verbose: bool = False,
    progress: bool = False,
    purge_every: int | None = PURGE_EVERY,
    account_type: str | None = None,
    bar_type: str | None = None,
) -> Execution:
    """Run ``strategy`` over ``bars``; with ``log_dir`` record every event between a
    ``RunStarted`` (``manifest``) and a ``RunEnded`` (summary figures) record. ``progress`` shows
    a bar count on stderr (it does not change the events or the chain head). ``bar_type``: the
    ``str`` of every bar's type when the caller knows ``bars`` are of one type (a catalog query
    for one bar type); the recorder then marks them without reading each bar's type (the same
    records, sooner)."""
    engine = build_engine(
        instrument,
        bars,
        balances,
        seed=seed,
        verbose=verbose,
        purge_every=purge_every,
        account_type=account_type,
    )
    log = recorder = meter = None
    try:
        if progress and bars:
            meter = BarProgress(bars[0].bar_type, len(bars))
            engine.add_actor(meter)
        if log_dir is not None:
            log = EventLog.create(log_dir, durability="group")
            log.append("RunStarted", manifest or {})
            replay = (bar_type, bars) if bar_type is not None else None
            recorder = Recorder(log, marks_every=marks_every, batch=RECORD_BATCH, replay=replay)
            engine.add_actor(recorder)
        add_strategy(engine, strategy, bars)
        engine.run()
        figures = collect_figures(engine, instrument, bars)
        if log is None:
            return Execution(figures, None, 0, len(bars))
        recorder.finish()
        log.append("RunEnded", run_ended_summary(figures, recorder.recorded, len(bars)))
        log.flush()
        return Execution(figures, log.head, log.count, len(bars))
    except BaseException:
        if recorder is not None:  # keep what was queued before the failure, as unbatched would
            with contextlib.suppress(Exception):
                recorder.drain()
        raise
    finally:
        if meter is not None:
            meter.close()
        if log is not None:
            log.close()
        engine.dispose()


def run_ended_summary(figures: dict[str, Any], events: int, bars: int) -> dict[str, Any]:
    """The ``RunEnded`` payload: headline figures (Decimal strings) and counts."""
    return {
        "bars": bars,
        "events": events,
        "orders": figures["orders"],
        "fills": figures["fills"],
        "positions": len(figures["positions"]),
        "final_balances": figures["final_balances"],
        "commissions": figures["commissions"],
        "realized_pnl": figures["realized_pnl"],
        "final_equity": figures["final_equity"],
    }
