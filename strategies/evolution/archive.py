"""The champion archive: the top-k agents ever seen, by fitness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Champion:
    agent_id: str
    generation: int
    fitness: float
    weights: np.ndarray

    def key(self) -> tuple[float, str]:
        return (self.fitness, self.agent_id)


class ChampionArchive:
    """Keeps the ``size`` best ``(fitness, agent_id)`` entries; an agent appears once, at its best."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._best: dict[str, Champion] = {}

    def offer(self, agent_id: str, generation: int, fitness: float, weights: np.ndarray) -> bool:
        """Consider one result; returns True if the archive changed."""
        entry = Champion(agent_id, generation, float(fitness), np.array(weights, dtype=np.float32, copy=True))
        current = self._best.get(agent_id)
        if current is not None and current.fitness >= entry.fitness:
            return False
        self._best[agent_id] = entry
        ranked = sorted(self._best.values(), key=Champion.key, reverse=True)[: self.size]
        self._best = {c.agent_id: c for c in ranked}
        return agent_id in self._best

    @property
    def champions(self) -> list[Champion]:
        return sorted(self._best.values(), key=Champion.key, reverse=True)
