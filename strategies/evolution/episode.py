"""One agent's generation as a self-contained, picklable task: the unit an executor maps over agents.

``run_episode(task)`` trades the agent through its window online (``trade_online``) and returns the
agent and tracker *as they are afterwards* plus the scar events the episode produced, buffered in order.
The task has no side effects, so it is safe on at-least-once executors (Ray) and gives the same result
in this process or in a worker: the caller emits the buffered events in agent order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from strategies.agents.agent import QAgent
from strategies.agents.runner import RewardConfig, trade_online
from strategies.agents.sim import Market, SimConfig
from strategies.scars import ScarTracker


@dataclass
class EpisodeTask:
    """Agent ``agent`` (with its ``tracker``) trades all of ``market`` starting with ``capital``."""

    agent: QAgent
    tracker: ScarTracker
    market: Market
    sim: SimConfig
    reward: RewardConfig
    capital: float
    clock: int


@dataclass
class EpisodeOutcome:
    agent: QAgent
    tracker: ScarTracker
    capital: float
    fitness: float
    died: str | None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def run_episode(task: EpisodeTask) -> EpisodeOutcome:
    """Trade the task's window; scar events are buffered in ``outcome.events`` (not emitted)."""
    torch.set_num_threads(1)
    _writable(task.agent)
    events: list[tuple[str, dict[str, Any]]] = []
    tracker = task.tracker
    previous, tracker.emit = tracker.emit, lambda kind, data: events.append((kind, data))
    try:
        res = trade_online(
            task.agent,
            task.market,
            0,
            len(task.market),
            tracker,
            task.sim,
            task.reward,
            capital=task.capital,
            clock=task.clock,
        )
    finally:
        tracker.emit = previous
    return EpisodeOutcome(task.agent, tracker, float(res.equity[-1]), res.sharpe(), res.died, events)


def _writable(agent: QAgent) -> None:
    """Zero-copy deserialisation (Ray's object store) hands back read-only numpy arrays: copy the
    replay memory's arrays if so (values unchanged)."""
    replay = agent.replay
    for name in ("states", "next_states", "actions", "rewards", "dones"):
        arr = getattr(replay, name)
        if not arr.flags.writeable:
            setattr(replay, name, arr.copy())
