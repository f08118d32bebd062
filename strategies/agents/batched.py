"""Greedy Q-values of many agents in one pass: their MLP weights stacked and applied with ``bmm``.

For agents sharing one ``AgentConfig`` this gives the same Q-values as each agent's own network (up
to float rounding) at a fraction of the per-call overhead; use it for greedy decisions of a whole
population on one bar. Rebuild it (``from_agents``) after the agents' weights change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from strategies.agents.agent import QAgent


class BatchedQ:
    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor]) -> None:
        self.weights = weights  # per layer: (n_agents, in, out)
        self.biases = biases  # per layer: (n_agents, 1, out)

    @classmethod
    def from_agents(cls, agents: Sequence[QAgent]) -> BatchedQ:
        layers = [[m for m in a.online.body if isinstance(m, nn.Linear)] for a in agents]
        ws, bs = [], []
        for i in range(len(layers[0])):
            ws.append(torch.stack([ls[i].weight.detach().T for ls in layers]).contiguous())
            bs.append(torch.stack([ls[i].bias.detach()[None] for ls in layers]).contiguous())
        return cls(ws, bs)

    def q_values(self, states: np.ndarray) -> np.ndarray:
        """``states`` (n_agents, state_dim) -> Q-values (n_agents, n_actions)."""
        with torch.inference_mode():
            x = torch.from_numpy(np.asarray(states, dtype=np.float32))[:, None, :]
            last = len(self.weights) - 1
            for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                x = torch.baddbmm(b, x, w)
                if i < last:
                    x = torch.relu(x)
            return x[:, 0, :].numpy()

    def act(self, states: np.ndarray) -> np.ndarray:
        """Greedy action index of every agent."""
        return self.q_values(states).argmax(axis=1)
