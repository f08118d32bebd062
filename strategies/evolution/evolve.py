"""``evolve``: G generations of online-learning agents on the fast simulator, with Darwinian selection.

Each generation: every living agent trades the training window online (carrying its capital, weights,
replay memory and scars over from the previous generation); fitness = Sharpe-style risk-adjusted return
of its equity over the window. Agents breaking a kill rule (capital floor, scar limit) die as soon as
they break it. Then survivors with fitness >= ``fitness_threshold`` are parents: children are made by
tournament selection (size k) and either crossover of two parents (then mutation) or mutation of one,
up to the population cap, the per-generation offspring limit and the treasury. Finally near-clones
(weight distance below ``clone_threshold``) are culled, keeping the fitter/older one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import LineageError
from strategies.agents.agent import AgentConfig
from strategies.agents.runner import RewardConfig
from strategies.agents.sim import Market, SimConfig
from strategies.evolution.archive import Champion, ChampionArchive
from strategies.evolution.episode import EpisodeOutcome, EpisodeTask, run_episode
from strategies.evolution.lineage import LineageTree
from strategies.evolution.operators import (
    crossover_one_point,
    crossover_uniform,
    mutate,
    near_clones,
    tournament,
)
from strategies.evolution.population import Population
from strategies.scars import Emit, ScarPolicy

GENERATION_ENDED = "GenerationEnded"
_SELECTION_KEY = 1_000_000  # spawn-key slot of the per-generation selection generator


class EvolutionConfigError(LineageError):
    """An ``EvolutionConfig`` field holds an invalid value."""


@dataclass(frozen=True)
class EvolutionConfig:
    agent: AgentConfig
    population_size: int = 8
    max_population: int = 12
    generations: int = 3
    window: tuple[int, int] | None = None  # bars [start, end) of the training window; None = all
    generation_bars: int | None = None  # bars per generation (rolling through the window); None = all
    cull_fraction: float = 0.0  # share of the living retired each generation, lowest fitness first
    fitness_threshold: float = 0.0
    tournament_k: int = 3
    crossover_rate: float = 0.5
    crossover: str = "uniform"  # "uniform" | "one_point"
    mutation_rate: float = 0.1
    mutation_strength: float = 0.02
    max_offspring: int = 4
    clone_threshold: float = 1e-4
    clone_metric: str = "l2"  # "l2" (RMS difference) | "cosine"
    archive_size: int = 5
    allocation: float = 1000.0
    total_capital: float | None = None  # None = allocation x max_population
    sim: SimConfig = field(default_factory=SimConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)
    scars: ScarPolicy = field(default_factory=ScarPolicy)

    def __post_init__(self) -> None:
        checks = [
            ("population_size", 1 <= self.population_size <= self.max_population, "1 <= n <= max_population"),
            ("generations", self.generations >= 1, ">= 1"),
            ("tournament_k", self.tournament_k >= 1, ">= 1"),
            ("crossover_rate", 0.0 <= self.crossover_rate <= 1.0, "0..1"),
            ("crossover", self.crossover in ("uniform", "one_point"), "'uniform' or 'one_point'"),
            ("mutation_rate", 0.0 <= self.mutation_rate <= 1.0, "0..1"),
            ("mutation_strength", self.mutation_strength >= 0.0, ">= 0"),
            ("max_offspring", self.max_offspring >= 0, ">= 0"),
            ("clone_metric", self.clone_metric in ("l2", "cosine"), "'l2' or 'cosine'"),
            ("archive_size", self.archive_size >= 1, ">= 1"),
            ("allocation", self.allocation > 0, "> 0"),
            ("cull_fraction", 0.0 <= self.cull_fraction < 1.0, "0 <= f < 1"),
            ("generation_bars", self.generation_bars is None or self.generation_bars >= 2, ">= 2 or None"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise EvolutionConfigError(
                    f"EvolutionConfig.{name}: expected {expected}, got {getattr(self, name)!r}"
                )
        total = self.total_capital
        if total is not None and total < self.allocation * self.population_size:
            raise EvolutionConfigError(
                f"EvolutionConfig.total_capital: expected >= allocation x population_size "
                f"({self.allocation * self.population_size}), got {total}"
            )


@dataclass
class EvolutionResult:
    lineage: LineageTree
    archive: list[Champion]
    living: list[str]
    fitness: list[dict[str, float]]  # per generation: agent id -> fitness
    population: Population


#: ``map_agents(run_episode, tasks)`` -> outcomes in task order (serial loop, Ray, ...).
MapAgents = Callable[[Callable[[EpisodeTask], EpisodeOutcome], Sequence[EpisodeTask]], list[Any]]


def map_serial(fn: Callable[[EpisodeTask], EpisodeOutcome], tasks: Sequence[EpisodeTask]) -> list[Any]:
    """The default ``MapAgents``: one task after another in this process."""
    return [fn(t) for t in tasks]


def generation_window(config: EvolutionConfig, n_bars: int, generation: int) -> tuple[int, int]:
    """Bars ``[start, end)`` generation ``generation`` trades: the whole training window, or
    consecutive ``generation_bars`` slices of it, wrapping to its start when they run out."""
    start, end = config.window or (0, n_bars)
    size = config.generation_bars
    if size is None or size >= end - start:
        return start, end
    slots = (end - start) // size
    lo = start + (generation % slots) * size
    return lo, lo + size


def evolve(
    market: Market,
    config: EvolutionConfig,
    seed: int,
    emit: Emit | None = None,
    map_agents: MapAgents | None = None,
    on_generation: Callable[[int], None] | None = None,
) -> EvolutionResult:
    """Run ``config.generations`` generations on ``market``; every birth, scar and death goes to ``emit``.

    Each living agent's episode is an independent ``EpisodeTask``; ``map_agents`` runs them (default:
    serially here) and must return outcomes in task order. Events are emitted in agent order whatever
    the executor, so the event stream depends only on the seed and config.
    """
    emit = emit or (lambda kind, data: None)
    map_agents = map_agents or map_serial
    start, end = config.window or (0, len(market))
    if not 0 <= start < end - 1 <= len(market) - 1:
        raise EvolutionConfigError(
            f"EvolutionConfig.window: expected 0 <= start < end <= {len(market)}, got {config.window}"
        )
    total = config.total_capital or config.allocation * config.max_population
    pop = Population(config.agent, config.scars, seed, config.allocation, total, emit)
    for serial in range(config.population_size):
        pop.spawn(0, serial, (), {"op": "init"}, None)
    archive = ChampionArchive(config.archive_size)
    history: list[dict[str, float]] = []
    clock = 0
    for gen in range(config.generations):
        lo, hi = generation_window(config, len(market), gen)
        window = market.slice(lo, hi)
        living = pop.living
        tasks = []
        for aid in living:
            m = pop.members[aid]
            m.tracker.emit = None  # the task must be picklable; its events come back buffered
            tasks.append(
                EpisodeTask(m.agent, m.tracker, window, config.sim, config.reward, m.capital, clock)
            )
        outcomes = map_agents(run_episode, tasks)
        fitness: dict[str, float] = {}
        for aid, out in zip(living, outcomes, strict=True):
            m = pop.members[aid]
            m.agent, m.tracker = out.agent, out.tracker
            m.tracker.emit = emit
            for kind, data in out.events:
                emit(kind, data)
            m.capital = out.capital
            m.fitness = fitness[aid] = out.fitness
            archive.offer(aid, gen, m.fitness, m.agent.get_flat())
            if out.died is not None:
                pop.kill(aid, gen, out.died)
        clock += hi - lo
        history.append(fitness)
        _select(pop, config, gen, fitness)
        _reproduce(pop, config, seed, gen, fitness)
        _cull(pop, config, gen)
        emit(
            GENERATION_ENDED,
            {
                "generation": gen,
                "living": pop.living,
                "fitness": {k: fitness[k] for k in sorted(fitness)},
                "champions": [c.agent_id for c in archive.champions],
                "treasury": str(round(pop.treasury, 8)),
                "window": [lo, hi],
            },
        )
        if on_generation is not None:
            on_generation(gen)
    return EvolutionResult(pop.lineage(), archive.champions, pop.living, history, pop)


def _select(pop: Population, config: EvolutionConfig, gen: int, fitness: dict[str, float]) -> None:
    """Retire the ``cull_fraction`` of the living with the lowest fitness (ties: younger id first)."""
    living = [aid for aid in pop.living if aid in fitness]
    n = int(len(living) * config.cull_fraction)
    if n <= 0:
        return
    ranked = sorted(living, key=lambda aid: (fitness[aid], _neg_id(aid)))
    for aid in ranked[:n]:
        pop.kill(
            aid,
            gen,
            f"selection: fitness {fitness[aid]:.4g}, bottom {config.cull_fraction:.0%} of generation {gen}",
        )


def _reproduce(
    pop: Population, config: EvolutionConfig, seed: int, gen: int, fitness: dict[str, float]
) -> None:
    parents = [aid for aid in pop.living if fitness.get(aid, -np.inf) >= config.fitness_threshold]
    room = min(
        config.max_population - len(pop.living), config.max_offspring, int(pop.treasury // config.allocation)
    )
    if not parents or room <= 0:
        return
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(gen, _SELECTION_KEY)))
    cross = crossover_uniform if config.crossover == "uniform" else crossover_one_point
    for serial in range(room):
        child_rng = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(gen + 1, serial, _SELECTION_KEY))
        )
        if len(parents) >= 2 and rng.random() < config.crossover_rate:
            p1 = tournament(parents, fitness, config.tournament_k, rng)
            p2 = tournament([p for p in parents if p != p1], fitness, config.tournament_k, rng)
            a, b = pop.members[p1].agent.get_flat(), pop.members[p2].agent.get_flat()
            vec, ids, op = cross(a, b, child_rng), (p1, p2), f"crossover_{config.crossover}+mutate"
        else:
            p1 = tournament(parents, fitness, config.tournament_k, rng)
            vec, ids, op = pop.members[p1].agent.get_flat(), (p1,), "mutate"
        vec = mutate(vec, config.mutation_rate, config.mutation_strength, child_rng)
        mutation = {"op": op, "rate": config.mutation_rate, "strength": config.mutation_strength}
        pop.spawn(gen + 1, serial, ids, mutation, vec)


def _cull(pop: Population, config: EvolutionConfig, gen: int) -> None:
    living = pop.living
    vectors = {aid: pop.members[aid].agent.get_flat() for aid in living}
    # rank: agents with a fitness before newborns, then higher fitness, then older (smaller id) first
    rank = {}
    for aid in living:
        f = pop.members[aid].fitness
        rank[aid] = (f is not None, f if f is not None else 0.0, _neg_id(aid))
    for victim, kept, d in near_clones(vectors, rank, config.clone_threshold, config.clone_metric):
        pop.kill(victim, gen, f"culled: near-clone of {kept} ({config.clone_metric} distance {d:.3g})")


def _neg_id(agent_id: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in agent_id)
