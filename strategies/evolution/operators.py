"""Genetic operators over flat float32 weight vectors, all driven by an explicit ``np.random.Generator``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mutate(vector: np.ndarray, rate: float, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Add ``N(0, strength)`` noise to each weight independently with probability ``rate``."""
    mask = rng.random(vector.shape) < rate
    noise = rng.normal(0.0, strength, vector.shape)
    return (vector + mask * noise).astype(np.float32)


def crossover_uniform(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each weight from ``a`` or ``b`` with equal probability."""
    return np.where(rng.random(a.shape) < 0.5, a, b).astype(np.float32)


def crossover_one_point(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``a`` up to a random cut point (1..n-1), ``b`` after it."""
    cut = int(rng.integers(1, a.size)) if a.size > 1 else 0
    return np.concatenate([a[:cut], b[cut:]]).astype(np.float32)


def tournament(candidates: Sequence[str], fitness: dict[str, float], k: int, rng: np.random.Generator) -> str:
    """Draw ``k`` candidates (without replacement when possible) and return the fittest (ties: by id)."""
    pool = sorted(candidates)
    picks = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
    return max((pool[i] for i in picks), key=lambda c: (fitness[c], c))


def distance(a: np.ndarray, b: np.ndarray, metric: str) -> float:
    """``"l2"``: root-mean-square difference; ``"cosine"``: 1 - cosine similarity."""
    if metric == "l2":
        return float(np.sqrt(np.mean((a.astype(np.float64) - b) ** 2)))
    if metric == "cosine":
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        if na == 0.0 or nb == 0.0:
            return 0.0 if na == nb else 1.0
        return 1.0 - float(np.dot(a.astype(np.float64), b) / (na * nb))
    raise ValueError(f"distance metric: expected 'l2' or 'cosine', got {metric!r}")


def near_clones(
    vectors: dict[str, np.ndarray], rank: dict[str, tuple], threshold: float, metric: str
) -> list[tuple[str, str, float]]:
    """Agents to cull as ``(victim, kept, distance)``: in each pair closer than ``threshold`` the lower-ranked
    one goes. Pairs are visited best-ranked first, and a culled agent protects nobody."""
    order = sorted(vectors, key=lambda i: rank[i], reverse=True)
    kept: list[str] = []
    culled = []
    for cand in order:
        for other in kept:
            d = distance(vectors[cand], vectors[other], metric)
            if d < threshold:
                culled.append((cand, other, d))
                break
        else:
            kept.append(cand)
    return culled
