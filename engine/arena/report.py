"""The arena's figures (``metrics.json``) and its human summary (``summary.txt``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.arena.config import ArenaConfig
from engine.arena.data import ArenaData
from strategies.evolution import EvolutionResult, LineageTree


def lineage_dict(tree: LineageTree) -> dict[str, dict[str, Any]]:
    """The lineage tree as JSON: agent id -> parents, generation, death (what the audit compares)."""
    return {
        aid: {
            "parent_ids": list(n.parent_ids),
            "generation": n.generation,
            "weights_digest": n.weights_digest,
            "died_generation": n.died_generation,
            "death_reason": n.death_reason,
        }
        for aid, n in tree.nodes.items()
    }


def generation_rows(result: EvolutionResult) -> list[dict[str, Any]]:
    """Per generation: population that traded, best and mean fitness, births and deaths recorded."""
    tree = result.lineage
    rows = []
    for gen, fit in enumerate(result.fitness):
        vals = np.array([fit[k] for k in sorted(fit)], dtype=np.float64)
        rows.append(
            {
                "generation": gen,
                "population": len(fit),
                "best_fitness": float(vals.max()) if vals.size else None,
                "mean_fitness": float(vals.mean()) if vals.size else None,
                "births": sum(1 for n in tree.nodes.values() if n.generation == gen + 1),
                "deaths": sum(1 for n in tree.nodes.values() if n.died_generation == gen),
            }
        )
    return rows


def arena_metrics(
    result: EvolutionResult, evaluation: list[dict[str, Any]], champions: list[dict[str, Any]]
) -> dict[str, Any]:
    """``summary`` (also the ``RunEnded`` payload) and the ``arena`` section of ``metrics.json``."""
    tree = result.lineage
    summary = {
        "agents_born": len(tree.nodes),
        "agents_died": sum(1 for n in tree.nodes.values() if n.died_generation is not None),
        "living": list(result.living),
        "generations": len(result.fitness),
        "champions": champions,
        "evaluation": evaluation,
    }
    return {
        "summary": summary,
        "arena": {"generations": generation_rows(result), "lineage": lineage_dict(tree)},
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:+.4f}" if isinstance(v, float) else str(v)


def format_summary(config: ArenaConfig, data: ArenaData, metrics: dict[str, Any]) -> str:
    s = metrics["summary"]
    gens = metrics["arena"]["generations"]
    lines = [
        f"arena on {config.instrument_id} {config.bar}: {config.agents} agents x {config.generations} "
        f"generations, seed {config.seed}",
        f"training: {len(data.train)} bars to {data.end}; evaluation from {data.eval_start}"
        f" to {data.eval_end or 'the end'}",
        f"agents born {s['agents_born']}, died {s['agents_died']}, living {len(s['living'])}",
        f"fitness gen 0 best {_fmt(gens[0]['best_fitness'])} mean {_fmt(gens[0]['mean_fitness'])}; "
        f"last gen best {_fmt(gens[-1]['best_fitness'])} mean {_fmt(gens[-1]['mean_fitness'])}",
        f"chain head {metrics['chain_head']} (evolution part: {metrics['evolution_head']})",
    ]
    if s["evaluation"]:
        lines.append("evaluation on unseen bars (NautilusTrader BacktestEngine):")
        lines.append(f"  {'run':<24} {'return':>9} {'max dd':>8} {'sharpe':>8} {'trades':>6} {'fills':>6}")
        for row in s["evaluation"]:
            lines.append(
                f"  {row['name']:<24} {_fmt(row.get('total_return')):>9} "
                f"{_fmt(row.get('max_drawdown')):>8} {_fmt(row.get('sharpe')):>8} "
                f"{_fmt(row.get('trade_count')):>6} {_fmt(row.get('fills')):>6}"
            )
    return "\n".join(lines) + "\n"
