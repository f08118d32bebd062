"""Arena benchmark on real ETH/BTC 5-minute bars (the bundled sample catalog).

1. Per-agent cost 1 -> 100 agents through the real evolution loop (``evolve``, 2 generations of
   ``generation_bars`` bars each, serial): seconds per agent-generation.
2. A full recorded ``run_arena`` (default 100 agents x 50 generations): wall time, per-generation
   times, evaluation time.

Run: ``python benchmarks/bench_arena.py [--agents 100] [--generations 50] [--executor serial|ray]
[--skip-scaling] [--skip-full]``. Figures depend on machine load (report ``uptime`` with them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.arena import ArenaConfig, run_arena
from engine.arena.data import load_arena_data
from engine.arena.features import fit_scaling, raw_features
from engine.arena.run import evolution_config
from engine.catalog import sample_catalog
from strategies.agents.sim import Market
from strategies.evolution import evolve

INSTRUMENT, BAR = "ETHBTC.SIM", "5-MINUTE"


def scaling(catalog: Path, bars: int) -> None:
    config = ArenaConfig(catalog=catalog, instrument_id=INSTRUMENT, bar=BAR, generation_bars=bars)
    data = load_arena_data(config)
    values, warm = raw_features(data.train, config.features)
    sc = fit_scaling(values[warm:], config.features)
    train = data.train.iloc[warm:]
    market = Market(train["open"].to_numpy(), train["close"].to_numpy(), sc.apply(values[warm:]))
    print(f"per-agent cost through evolve() ({bars} bars per generation, 2 generations, serial):")
    base = None
    evolve(market, evolution_config(config, len(config.features), len(market)), seed=1)  # warm-up
    for n in (1, 10, 50, 100):
        evo = evolution_config(
            ArenaConfig(catalog=catalog, instrument_id=INSTRUMENT, bar=BAR, agents=n, generations=2,
                        generation_bars=bars),
            len(config.features),
            len(market),
        )  # fmt: skip
        t0 = time.perf_counter()
        res = evolve(market, evo, seed=0)
        dt = time.perf_counter() - t0
        agent_gens = sum(len(f) for f in res.fitness)
        per = dt / agent_gens
        base = base or per
        print(
            f"  N={n:3d}: {dt:7.2f} s for {agent_gens} agent-generations = {per * 1e3:7.1f} ms each "
            f"({(per / base - 1) * 100:+5.1f}% vs N=1)"
        )


def full(catalog: Path, agents: int, generations: int, executor: str, bars: int) -> None:
    stamps: list[float] = []
    out = Path(tempfile.mkdtemp(prefix="bench-arena-"))
    t0 = time.perf_counter()
    res = run_arena(
        ArenaConfig(
            catalog=catalog, instrument_id=INSTRUMENT, bar=BAR, agents=agents, generations=generations,
            executor=executor, generation_bars=bars, out=out,
        ),
        on_generation=lambda g: stamps.append(time.perf_counter()),
    )  # fmt: skip
    total = time.perf_counter() - t0
    per_gen = np.diff([t0, *stamps])
    print(
        f"run_arena {agents} agents x {generations} generations ({executor}, {bars} bars/gen): {total:.1f} s"
    )
    tail = total - (stamps[-1] - t0)
    print(
        f"  per generation: median {np.median(per_gen):.2f} s, min {per_gen.min():.2f}, "
        f"max {per_gen.max():.2f} (first includes data loading and features); "
        f"evaluation + writing {tail:.1f} s"
    )
    print(
        f"  agents born {res.metrics['summary']['agents_born']}, died {res.metrics['summary']['agents_died']}"
    )
    print(res.summary)
    print(f"  run dir: {res.run_dir}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--generations", type=int, default=50)
    parser.add_argument("--executor", default="serial")
    parser.add_argument("--generation-bars", type=int, default=288)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    catalog = sample_catalog()
    print(f"load: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if not args.skip_scaling:
        scaling(catalog, args.generation_bars)
    if not args.skip_full:
        full(catalog, args.agents, args.generations, args.executor, args.generation_bars)


if __name__ == "__main__":
    main()
