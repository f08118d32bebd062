"""Evolution: lineage rebuilt from events, determinism, spawn/death/cap/cull rules, real-bar smoke run."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from engine.eventlog.encoding import canonical_bytes, decode
from strategies.agents import AgentConfig, Market, SimConfig
from strategies.evolution import EvolutionConfig, evolve, rebuild_lineage
from strategies.evolution.evolve import GENERATION_ENDED, EvolutionConfigError
from strategies.scars import AGENT_DIED, AGENT_SPAWNED, SCAR, ScarPolicy, fold_condition
from tests.arena.synthetic import planted_market
from tests.realdata import ETH_BTC_5M

AGENT = AgentConfig(n_features=2, hidden=(16, 16), learn_start=64, buffer_size=2000)


def _config(**kw) -> EvolutionConfig:
    base = dict(
        agent=AGENT,
        population_size=4,
        max_population=6,
        generations=3,
        max_offspring=3,
        mutation_rate=0.2,
        mutation_strength=0.05,
        fitness_threshold=-1e9,
        sim=SimConfig(fee_rate=0.0005),
    )
    base.update(kw)
    return EvolutionConfig(**base)


def _run(market: Market, config: EvolutionConfig, seed: int):
    events: list[tuple[str, dict]] = []
    result = evolve(market, config, seed, lambda k, d: events.append((k, decode(canonical_bytes(d)))))
    digest = hashlib.sha256(b"\n".join(canonical_bytes([k, d]) for k, d in events)).hexdigest()
    return result, events, digest


@pytest.fixture(scope="module")
def planted():
    return planted_market(260, 42)


@pytest.fixture(scope="module")
def run(planted):
    return _run(planted, _config(), seed=123)


def test_lineage_rebuilt_from_events_equals_in_memory(run):
    result, events, _ = run
    tree = rebuild_lineage(events)
    assert tree == result.lineage
    assert len(tree.roots) == 4 and len(tree.nodes) > 4, "expected offspring"
    assert sorted(tree.living) == result.living


def test_same_seed_same_event_stream_other_seed_differs(planted, run):
    _, events, digest = run
    _, events2, digest2 = _run(planted, _config(), seed=123)
    assert digest2 == digest and len(events2) == len(events)
    _, _, other = _run(planted, _config(generations=1), seed=124)
    _, _, same_prefix = _run(planted, _config(generations=1), seed=123)
    assert other != same_prefix


def test_spawn_rules_cap_and_event_payloads(run):
    result, events, _ = run
    cfg = _config()
    spawned = [d for k, d in events if k == AGENT_SPAWNED]
    born_in = {}
    for d in spawned:
        born_in.setdefault(d["generation"], []).append(d)
        assert set(d) >= {"agent_id", "parent_ids", "generation", "mutation", "weights_digest", "capital"}
        assert len(d["weights_digest"]) == 64
    for gen, kids in born_in.items():
        if gen == 0:
            continue
        assert len(kids) <= cfg.max_offspring
        fit = result.fitness[gen - 1]
        for d in kids:
            assert 1 <= len(d["parent_ids"]) <= 2 and all(p in fit for p in d["parent_ids"])
            assert d["mutation"]["op"] in ("mutate", "crossover_uniform+mutate")
    for k, d in events:
        if k == GENERATION_ENDED:
            assert len(d["living"]) <= cfg.max_population
    # each agent's condition is the fold of its own events
    for aid, member in result.population.members.items():
        assert fold_condition(events, agent_id=aid) == member.agent.condition
        assert member.agent.condition.alive == member.alive


def test_capital_floor_and_scar_limit_kill():
    market = planted_market(200, 3)
    policy = ScarPolicy(capital_floor=0.97, max_scars=(None, None, None), max_weighted_scars=None)
    result, events, _ = _run(market, _config(generations=1, scars=policy, max_offspring=0), seed=5)
    died = {d["agent_id"]: d for k, d in events if k == AGENT_DIED}
    assert died and all(d["reason"].startswith("capital_floor") for d in died.values())
    for aid, d in died.items():
        assert float(d["capital"]) < 0.97 * 1000
        assert result.lineage.nodes[aid].died_generation == 0
    strict = ScarPolicy(max_scars=(0, 0, 0), capital_floor=0.0)
    _, events, _ = _run(market, _config(generations=1, scars=strict, max_offspring=0), seed=5)
    scarred = {d["agent_id"] for k, d in events if k == SCAR}
    died = {d["agent_id"]: d["reason"] for k, d in events if k == AGENT_DIED}
    assert scarred and set(died) == scarred
    assert all(r.startswith("scar_limit") for r in died.values())


def test_clones_are_culled_and_fitness_threshold_blocks_spawning(planted):
    cfg = _config(generations=1, crossover_rate=0.0, mutation_strength=0.0)
    result, events, _ = _run(planted, cfg, seed=9)
    culled = [d for k, d in events if k == AGENT_DIED and d["reason"].startswith("culled")]
    kids = [d for k, d in events if k == AGENT_SPAWNED and d["generation"] == 1]
    assert kids and {d["agent_id"] for d in culled} == {d["agent_id"] for d in kids}
    for d in culled:
        parent = result.lineage.nodes[d["agent_id"]].parent_ids[0]
        assert f"near-clone of {parent}" in d["reason"]
    _, events, _ = _run(planted, _config(generations=1, fitness_threshold=1e9), seed=9)
    assert not [d for k, d in events if k == AGENT_SPAWNED and d["generation"] == 1]


def test_config_errors_name_the_field():
    with pytest.raises(EvolutionConfigError, match=r"EvolutionConfig\.crossover"):
        _config(crossover="two_point")
    with pytest.raises(EvolutionConfigError, match="population_size"):
        _config(population_size=10)


def _eth_btc_market(n: int) -> Market:
    df = pd.read_feather(ETH_BTC_5M)
    close = df["close"].to_numpy(np.float64)
    logc = np.log(close)
    r1 = np.r_[np.nan, np.diff(logc)]  # return of the bar just closed: known at its close
    vol = pd.Series(r1).rolling(48, min_periods=48).std().to_numpy()
    r12 = logc - np.r_[np.full(12, np.nan), logc[:-12]]
    feats = np.c_[r1 / vol, r12 / (vol * np.sqrt(12))]
    ok = np.isfinite(feats).all(axis=1)
    first = int(np.argmax(ok))
    sl = slice(first, first + n)
    return Market(df["open"].to_numpy()[sl], close[sl], np.clip(feats[sl], -5, 5), name="ETH_BTC-5m")


def test_smoke_evolution_on_real_eth_btc_bars():
    market = _eth_btc_market(400)
    result, events, _ = _run(market, _config(generations=2, sim=SimConfig(fee_rate=0.001)), seed=2018)
    assert rebuild_lineage(events) == result.lineage
    assert result.archive and all(np.isfinite(c.fitness) for c in result.archive)
    assert result.archive[0].fitness == max(f for gen in result.fitness for f in gen.values())
    kinds = {k for k, _ in events}
    assert {AGENT_SPAWNED, GENERATION_ENDED} <= kinds
