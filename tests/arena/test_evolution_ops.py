"""Genetic operators and the champion archive."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies.evolution import ChampionArchive
from strategies.evolution.operators import (
    crossover_one_point,
    crossover_uniform,
    distance,
    mutate,
    near_clones,
    tournament,
)


def test_mutation_rate_and_strength():
    rng = np.random.default_rng(0)
    v = rng.normal(size=20_000).astype(np.float32)
    assert np.array_equal(mutate(v, 0.0, 1.0, rng), v)
    m = mutate(v, 0.25, 0.5, rng)
    changed = m != v
    assert 0.22 < changed.mean() < 0.28
    assert 0.45 < float(np.std((m - v)[changed])) < 0.55


def test_crossovers_take_each_weight_from_a_parent():
    rng = np.random.default_rng(1)
    a, b = np.zeros(1000, np.float32), np.ones(1000, np.float32)
    u = crossover_uniform(a, b, rng)
    assert set(np.unique(u)) == {0.0, 1.0} and 0.4 < u.mean() < 0.6
    o = crossover_one_point(a, b, rng)
    cut = int(np.argmax(o))
    assert 1 <= cut < 1000 and not o[:cut].any() and o[cut:].all()


def test_tournament_full_size_picks_the_fittest():
    fit = {"a": 0.1, "b": 2.0, "c": -1.0}
    assert tournament(list(fit), fit, 3, np.random.default_rng(0)) == "b"
    picks = {tournament(list(fit), fit, 1, np.random.default_rng(s)) for s in range(30)}
    assert picks == {"a", "b", "c"}


def test_near_clones_keep_the_better_ranked():
    base = np.arange(10, dtype=np.float32)
    vectors = {"x": base, "y": base + 1e-6, "z": base + 5.0}
    rank = {"x": (1,), "y": (2,), "z": (0,)}
    assert [(v, k) for v, k, _ in near_clones(vectors, rank, 1e-3, "l2")] == [("x", "y")]
    assert distance(base, 2 * base, "cosine") < 1e-9 and distance(base, base + 5, "l2") == 5.0


@settings(max_examples=50, deadline=None)
@given(
    offers=st.lists(st.tuples(st.sampled_from("abcdefgh"), st.floats(-5, 5)), min_size=1, max_size=40),
    size=st.integers(1, 5),
)
def test_archive_keeps_the_best_ever(offers, size):
    archive = ChampionArchive(size)
    best: dict[str, float] = {}
    for gen, (aid, fit) in enumerate(offers):
        archive.offer(aid, gen, fit, np.full(3, fit, np.float32))
        best[aid] = max(best.get(aid, -np.inf), fit)
    want = sorted(((f, a) for a, f in best.items()), reverse=True)[:size]
    got = [(c.fitness, c.agent_id) for c in archive.champions]
    assert got == want
    assert all(float(c.weights[0]) == np.float32(c.fitness) for c in archive.champions)
