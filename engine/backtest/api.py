"""``run_backtest``: catalog data -> recorded engine run -> ``runs/<run-id>/`` with manifest,
event log, metrics, summary and locator."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.atomic import write_json_atomic, write_text_atomic
from engine.backtest.config import BacktestConfig, RunResult
from engine.backtest.data import BacktestData, instrument_summary, load_data, starting_balances
from engine.backtest.execution import TRADER_ID, execute, margin_terms
from engine.backtest.figures import valued
from engine.backtest.report import build_metrics
from engine.backtest.rundir import (
    EVENTS,
    LOCATOR,
    MANIFEST,
    METRICS,
    SUMMARY,
    publish,
    run_id_base,
    staging_dir,
)
from engine.backtest.strategies import build_strategy
from engine.recording.manifest import code_version, library_versions, manifest_digest

MANIFEST_SCHEMA = 2
"""2: ``venue.margin`` and the instrument's margin rates, multiplier, inverse flag and settlement
currency are recorded (the audit replays MARGIN accounts from them)."""


def build_manifest(config: BacktestConfig, data: BacktestData, balances: list[Any]) -> dict[str, Any]:
    """The ``RunStarted`` payload: code, libraries, config, venue, data digests, seeds."""
    return {
        "schema": MANIFEST_SCHEMA,
        "code": code_version(),
        "libraries": library_versions(),
        "strategy": {"name": config.strategy, "params": dict(sorted(config.params.items()))},
        "data": {
            "instrument_id": config.instrument_id,
            "bar": config.bar,
            "bar_type": data.bar_type,
            "start": config.start,
            "end": config.end,
            "warmup_bars": config.warmup_bars,
            "bars": len(data.bars),
            "first_ts": data.bars[0].ts_init,
            "last_ts": data.bars[-1].ts_init,
            "dataset_digest": data.dataset_digest,
            "bars_digest": data.bars_digest,
        },
        "venue": {
            "name": data.instrument.id.venue.value,
            "oms_type": "NETTING",
            "account_type": data.account_type,
            "margin": margin_terms(data.account_type),
            "trader_id": TRADER_ID,
            "starting_balances": sorted(str(m) for m in balances),
            "fee_overrides": {"maker": config.maker_fee, "taker": config.taker_fee},
            "instrument": instrument_summary(data.instrument),
            "fill_model": {"type": "FillModel", "random_seed": config.seed},
        },
        "seeds": {"fill_model": config.seed},
        "recording": {"marks_every": config.marks_every},
    }


def config_from_manifest(manifest: dict[str, Any], catalog: Path, out: Path) -> BacktestConfig:
    """The ``BacktestConfig`` that reproduces a recorded run (for ``audit --reexecute``)."""
    venue, data = manifest["venue"], manifest["data"]
    return BacktestConfig(
        catalog=Path(catalog),
        instrument_id=data["instrument_id"],
        bar=data["bar"],
        strategy=manifest["strategy"]["name"],
        params=dict(manifest["strategy"]["params"]),
        seed=manifest["seeds"]["fill_model"],
        balances=tuple(venue["starting_balances"]),
        maker_fee=venue["fee_overrides"]["maker"],
        taker_fee=venue["fee_overrides"]["taker"],
        start=data["start"],
        end=data["end"],
        warmup_bars=data.get("warmup_bars", 0),
        out=Path(out),
        marks_every=manifest["recording"]["marks_every"],
    )


def run_backtest(config: BacktestConfig | None = None, **fields: Any) -> RunResult:
    """Run one backtest; pass a ``BacktestConfig`` or its fields as keywords."""
    config = replace(config, **fields) if config is not None else BacktestConfig(**fields)
    data = load_data(config)
    balances = starting_balances(config, data.instrument)
    strategy = build_strategy(
        config.strategy,
        config.params,
        instrument_id=config.instrument_id,
        bar_type=data.bar_type,
        # Strategies log every event and command they see; unless verbose nobody reads those
        # lines (logging is bypassed), so they are not formatted at all. Events are unaffected.
        context={
            "catalog": str(Path(config.catalog).resolve()),
            "log_events": config.verbose,
            "log_commands": config.verbose,
        },
    )
    manifest = build_manifest(config, data, balances)
    manifest["strategy"]["class"] = f"{type(strategy).__module__}:{type(strategy).__qualname__}"
    out = Path(config.out)
    staging = staging_dir(out) if config.record else None
    execution = execute(
        data.instrument,
        data.bars,
        strategy,
        balances,
        seed=config.seed,
        log_dir=staging / EVENTS if staging else None,
        manifest=manifest,
        marks_every=config.marks_every,
        verbose=config.verbose,
        progress=config.progress,
        account_type=data.account_type,
        bar_type=data.bar_type,
    )
    figures = execution.figures
    evaluated = data.bars[data.evaluation_start :]
    first_close = Decimal(str(evaluated[0].close))
    start_balances = {k: Decimal(v) for k, v in figures["starting_balances"].items()}
    start_equity = valued(start_balances, first_close, figures["base_currency"], figures["quote_currency"])
    title = (
        f"{config.strategy} on {config.instrument_id} {config.bar} "
        f"({len(evaluated)} bars, seed {config.seed})"
    )
    strategy_metrics, benchmark, summary = build_metrics(
        figures, evaluated, start_equity, data.instrument.taker_fee, title
    )
    summary = summary.rstrip() + "\n"
    digest = manifest_digest(manifest)
    metrics = {
        "manifest_digest": digest,
        "chain_head": execution.head,
        "strategy": strategy_metrics,
        "buy_and_hold": benchmark,
        "engine": figures,
    }
    if staging is None:
        return RunResult(None, None, None, metrics, summary)
    write_json_atomic(staging / MANIFEST, manifest)
    write_json_atomic(staging / METRICS, metrics)
    write_text_atomic(staging / SUMMARY, summary)
    write_json_atomic(
        staging / LOCATOR,
        {
            "catalog": str(Path(config.catalog).resolve()),
            "manifest_digest": digest,
            "chain_head": execution.head,
        },
    )
    run_id, run_dir = publish(staging, out, run_id_base(config.strategy, config.instrument_id, digest))
    return RunResult(run_id, run_dir, execution.head, metrics, summary)
