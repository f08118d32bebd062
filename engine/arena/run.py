"""``run_arena``: evolve agents on catalog data into a recorded run, then evaluate the champions
through the real engine on the unseen period next to the baselines.

Layout of ``<out>/<run-id>/``: ``events/`` (hash-chained log: ``RunStarted`` manifest, every
``AgentSpawned``/``Scar``/``AgentDied``/``GenerationEnded``, ``ChampionSaved``, ``EvaluationEnded``,
``RunEnded``), ``manifest.json``, ``metrics.json`` (lineage tree, generations, champions,
evaluation), ``summary.txt``, ``run.json`` and ``evaluation/<run-id>/`` (one recorded backtest per
champion and baseline). Champion weights live in the content-addressed ``<out>/_champions/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.arena.config import ArenaConfig, ArenaResult
from engine.arena.data import ArenaData, load_arena_data
from engine.arena.evaluate import evaluate_champions, save_champion
from engine.arena.executors import make_agent_executor
from engine.arena.features import fit_scaling, raw_features
from engine.arena.report import arena_metrics, format_summary
from engine.atomic import write_json_atomic, write_text_atomic
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
from engine.eventlog import EventLog, canonical_bytes, decode
from engine.progress import progress as progress_bar
from engine.recording.manifest import code_version, library_versions, manifest_digest
from strategies.agents.agent import AgentConfig
from strategies.agents.sim import Market, SimConfig
from strategies.evolution import EvolutionConfig, evolve

KIND = "arena"
SCHEMA = 1
EVALUATION = "evaluation"


def evolution_config(config: ArenaConfig, n_features: int, n_bars: int) -> EvolutionConfig:
    """The evolution the arena config asks for (population cap = ``agents``; a quarter retired and
    replaced by offspring each generation)."""
    agent = AgentConfig(
        n_features=n_features,
        hidden=config.hidden,
        actions=config.actions,
        learn_every=config.learn_every,
        buffer_size=config.buffer_size,
        learn_start=min(200, max(32, (config.generation_bars or n_bars) // 2)),
    )
    cap = config.max_population or config.agents
    offspring = config.max_offspring if config.max_offspring is not None else max(1, config.agents // 4)
    fields: dict[str, Any] = dict(
        agent=agent,
        population_size=config.agents,
        max_population=max(cap, config.agents),
        generations=config.generations,
        generation_bars=config.generation_bars,
        max_offspring=offspring,
        total_capital=2.0 * 1000.0 * max(cap, config.agents),  # a treasury to fund births
        cull_fraction=0.25 if config.agents >= 4 else 0.0,
        fitness_threshold=-1e9,  # selection already retired the weakest: every survivor may breed
        archive_size=max(5, config.evaluate_top),
        sim=SimConfig(fee_rate=config.fee_rate),
    )
    fields.update(config.extra)  # EvolutionConfig overrides (e.g. mutation_strength, cull_fraction)
    return EvolutionConfig(**fields)


def build_manifest(
    config: ArenaConfig, data: ArenaData, evo: EvolutionConfig, scaling: dict
) -> dict[str, Any]:
    """The ``RunStarted`` payload: nothing that differs between identical runs (no paths, no clock)."""
    libs = library_versions()
    import torch

    libs["torch"] = torch.__version__
    return {
        "kind": KIND,
        "schema": SCHEMA,
        "code": code_version(),
        "libraries": libs,
        "config": {
            "instrument_id": config.instrument_id,
            "bar": config.bar,
            "agents": config.agents,
            "generations": config.generations,
            "evaluate_top": config.evaluate_top,
            "balance": config.balance,
        },
        "evolution": _jsonable(dataclasses.asdict(evo)),
        "features": scaling,
        "data": {
            "instrument_id": config.instrument_id,
            "bar": config.bar,
            "bar_type": data.bar_type,
            "train": {"start": config.start, "end": data.end, "bars": len(data.train)},
            "eval": {"start": data.eval_start, "end": data.eval_end},
            "dataset_digest": data.dataset_digest,
            "bars_digest": data.train_bars_digest,
        },
        "seeds": {"root": config.seed},
    }


def _jsonable(value: Any) -> Any:
    return decode(canonical_bytes(_tuples_to_lists(value)))


def _tuples_to_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tuples_to_lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tuples_to_lists(v) for v in value]
    return value


def run_arena(
    config: ArenaConfig | None = None, on_generation: Callable[[int], None] | None = None, **fields: Any
) -> ArenaResult:
    """Run one arena; pass an ``ArenaConfig`` or its fields as keywords. ``on_generation(g)`` is
    called after each generation (progress, benchmarks)."""
    config = dataclasses.replace(config, **fields) if config is not None else ArenaConfig(**fields)
    data = load_arena_data(config)
    values, warm = raw_features(data.train, config.features)
    scaling = fit_scaling(values[warm:], config.features)
    train = data.train.iloc[warm:]
    market = Market(
        train["open"].to_numpy(),
        train["close"].to_numpy(),
        scaling.apply(values[warm:]),
        train.index.asi8,
        name=f"{config.instrument_id} {config.bar}",
    )
    evo = evolution_config(config, len(config.features), len(market))
    manifest = build_manifest(config, data, evo, scaling.to_dict())
    digest = manifest_digest(manifest)
    out = Path(config.out)
    staging = staging_dir(out)
    with EventLog.create(staging / EVENTS) as log:
        log.append("RunStarted", manifest)

        def emit(kind: str, payload: dict[str, Any]) -> None:
            log.append(kind, payload)

        bar = progress_bar(config.generations, desc="evolution", enabled=config.verbose or None, unit="gen")

        def progress(gen: int) -> None:
            bar.update(1)
            if on_generation is not None:
                on_generation(gen)

        with bar, make_agent_executor(config.executor, config.workers) as executor:
            result = evolve(market, evo, config.seed, emit, executor.map, progress)
        champions = []
        for champ in result.archive[: config.evaluate_top]:
            path, weights_digest = save_champion(champ, evo.agent, scaling, out)
            entry = {
                "agent_id": champ.agent_id,
                "generation": champ.generation,
                "fitness": champ.fitness,
                "weights_digest": weights_digest,
                "file": path.name,
            }
            log.append("ChampionSaved", entry)
            champions.append((entry, path))
        # everything so far depends only on the manifest; the evaluation runs' manifests also name
        # the champion files' paths (under ``out``), so the final head depends on ``out`` as well
        evolution_head = log.head
        evaluation = evaluate_champions(config, data, champions, staging / EVALUATION)
        for row in evaluation:
            log.append("EvaluationEnded", row)
        metrics = arena_metrics(result, evaluation, [c for c, _ in champions])
        log.append("RunEnded", {"summary": metrics["summary"]})
        head = log.head
    metrics = {
        "kind": KIND,
        "manifest_digest": digest,
        "chain_head": head,
        "evolution_head": evolution_head,
        **metrics,
    }
    summary = format_summary(config, data, metrics)
    write_json_atomic(staging / MANIFEST, manifest)
    write_json_atomic(staging / METRICS, metrics)
    write_text_atomic(staging / SUMMARY, summary)
    write_json_atomic(
        staging / LOCATOR,
        {"catalog": str(Path(config.catalog).resolve()), "manifest_digest": digest, "chain_head": head},
    )
    run_id, run_dir = publish(staging, out, run_id_base("arena", config.instrument_id, digest))
    return ArenaResult(run_id, run_dir, head, metrics, summary)
