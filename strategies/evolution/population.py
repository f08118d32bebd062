"""A population of ``QAgent`` members: capital allocations, births, deaths and the lineage record.

Capital is conserved: the population starts with ``total_capital``; each birth moves ``allocation``
from the treasury to the newborn, and each death returns what the agent has left. Every birth and
death is emitted as an event (``AgentSpawned`` / ``AgentDied``) and applied to the agent's condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from strategies.agents.agent import AgentConfig, QAgent
from strategies.evolution.lineage import LineageNode, LineageTree
from strategies.scars import AGENT_DIED, AGENT_SPAWNED, Emit, ScarPolicy, ScarTracker, to_decimal


def agent_seed(root: int, generation: int, serial: int) -> np.random.SeedSequence:
    """The seed of agent ``serial`` born in ``generation``: keyed by identity, never by completion order."""
    return np.random.SeedSequence(root, spawn_key=(generation, serial))


def agent_name(generation: int, serial: int) -> str:
    return f"g{generation:03d}-{serial:03d}"


@dataclass
class Member:
    agent: QAgent
    tracker: ScarTracker
    capital: float
    parent_ids: tuple[str, ...]
    generation: int
    mutation: dict[str, Any]
    birth_digest: str
    birth_capital: str
    fitness: float | None = None
    died_generation: int | None = None
    death_reason: str | None = None

    @property
    def alive(self) -> bool:
        return self.died_generation is None


@dataclass
class Population:
    agent_config: AgentConfig
    scar_policy: ScarPolicy
    root_seed: int
    allocation: float
    treasury: float
    emit: Emit
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def living(self) -> list[str]:
        return sorted(aid for aid, m in self.members.items() if m.alive)

    def spawn(
        self,
        generation: int,
        serial: int,
        parent_ids: tuple[str, ...],
        mutation: Mapping[str, Any],
        weights: np.ndarray | None,
    ) -> Member:
        """Create, fund and announce one agent (``weights`` None = fresh seeded init)."""
        aid = agent_name(generation, serial)
        agent = QAgent(
            aid, self.agent_config, agent_seed(self.root_seed, generation, serial), weights=weights
        )
        self.treasury -= self.allocation
        capital = str(to_decimal(self.allocation))
        member = Member(
            agent=agent,
            tracker=ScarTracker(aid, self.scar_policy, self.allocation, emit=self.emit),
            capital=self.allocation,
            parent_ids=parent_ids,
            generation=generation,
            mutation=dict(mutation),
            birth_digest=agent.weights_digest(),
            birth_capital=capital,
        )
        self.members[aid] = member
        data = {
            "agent_id": aid,
            "parent_ids": list(parent_ids),
            "generation": generation,
            "mutation": dict(mutation),
            "weights_digest": member.birth_digest,
            "capital": capital,
            "seed": {"root": self.root_seed, "spawn_key": [generation, serial]},
        }
        self.emit(AGENT_SPAWNED, data)
        agent.condition = agent.condition.apply(AGENT_SPAWNED, data)
        return member

    def kill(self, agent_id: str, generation: int, reason: str) -> None:
        """Mark an agent dead, return its capital to the treasury and announce it."""
        m = self.members[agent_id]
        m.died_generation, m.death_reason = generation, reason
        self.treasury += max(m.capital, 0.0)
        data = {
            "agent_id": agent_id,
            "generation": generation,
            "reason": reason,
            "capital": str(to_decimal(m.capital)),
            "scars": m.agent.condition.total_scars,
        }
        self.emit(AGENT_DIED, data)
        m.agent.condition = m.agent.condition.apply(AGENT_DIED, data)
        m.agent.release_memory()

    def lineage(self) -> LineageTree:
        """The lineage tree from the members' own records (compare with ``rebuild_lineage``)."""
        return LineageTree(
            {
                aid: LineageNode(
                    agent_id=aid,
                    parent_ids=m.parent_ids,
                    generation=m.generation,
                    mutation=m.mutation,
                    weights_digest=m.birth_digest,
                    capital=m.birth_capital,
                    died_generation=m.died_generation,
                    death_reason=m.death_reason,
                )
                for aid, m in self.members.items()
            }
        )
