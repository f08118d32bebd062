"""The lineage tree of a population, and its reconstruction from ``AgentSpawned``/``AgentDied`` events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.errors import LineageError
from strategies.scars import AGENT_DIED, AGENT_SPAWNED


@dataclass(frozen=True)
class LineageNode:
    agent_id: str
    parent_ids: tuple[str, ...]
    generation: int
    mutation: Mapping[str, Any]
    weights_digest: str
    capital: str
    died_generation: int | None = None
    death_reason: str | None = None


@dataclass
class LineageTree:
    """Every agent ever born, keyed by id (insertion order = birth order)."""

    nodes: dict[str, LineageNode] = field(default_factory=dict)

    def children(self, agent_id: str) -> list[str]:
        return [n.agent_id for n in self.nodes.values() if agent_id in n.parent_ids]

    def ancestors(self, agent_id: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.nodes[agent_id].parent_ids)
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen.add(pid)
                stack.extend(self.nodes[pid].parent_ids)
        return seen

    @property
    def roots(self) -> list[str]:
        return [n.agent_id for n in self.nodes.values() if not n.parent_ids]

    @property
    def living(self) -> list[str]:
        return [n.agent_id for n in self.nodes.values() if n.died_generation is None]


def rebuild_lineage(events: Iterable[tuple[str, Mapping[str, Any]]]) -> LineageTree:
    """The lineage tree from events alone; raises ``LineageError`` on an inconsistent stream."""
    tree = LineageTree()
    for i, (kind, data) in enumerate(events):
        if kind == AGENT_SPAWNED:
            aid = data["agent_id"]
            if aid in tree.nodes:
                raise LineageError(f"event {i}: AgentSpawned for {aid} which already exists")
            missing = [p for p in data["parent_ids"] if p not in tree.nodes]
            if missing:
                raise LineageError(f"event {i}: AgentSpawned {aid}: unknown parent ids {missing}")
            tree.nodes[aid] = LineageNode(
                agent_id=aid,
                parent_ids=tuple(data["parent_ids"]),
                generation=int(data["generation"]),
                mutation=dict(data["mutation"]),
                weights_digest=str(data["weights_digest"]),
                capital=str(data["capital"]),
            )
        elif kind == AGENT_DIED:
            aid = data["agent_id"]
            node = tree.nodes.get(aid)
            if node is None or node.died_generation is not None:
                raise LineageError(f"event {i}: AgentDied for {aid}, which is not a living agent")
            tree.nodes[aid] = replace(
                node, died_generation=int(data["generation"]), death_reason=data["reason"]
            )
    return tree
