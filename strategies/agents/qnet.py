"""The Q-network: a small MLP from state vector to one Q-value per action, seeded explicitly."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import torch
from torch import nn


class QNetwork(nn.Module):
    """``n_in -> hidden... -> n_actions`` with ReLU; weights drawn from ``generator`` (never global RNG)."""

    def __init__(
        self, n_in: int, hidden: tuple[int, ...], n_actions: int, generator: torch.Generator
    ) -> None:
        super().__init__()
        sizes = (n_in, *hidden, n_actions)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            linear = nn.Linear(a, b)
            with torch.no_grad():
                nn.init.kaiming_uniform_(linear.weight, a=5**0.5, generator=generator)
                bound = 1.0 / a**0.5
                linear.bias.copy_(torch.rand(b, generator=generator) * 2 * bound - bound)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)
        self.linears: list[nn.Linear] = [m for m in layers if isinstance(m, nn.Linear)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the layers called directly: skips nn.Module.__call__ bookkeeping per layer (hot path)
        last = len(self.linears) - 1
        for i, lin in enumerate(self.linears):
            x = torch.nn.functional.linear(x, lin.weight, lin.bias)
            if i < last:
                x = torch.relu(x)
        return x

    def numpy_layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W.T, b) per layer as numpy VIEWS of the parameters: they follow in-place updates
        (optimiser steps, ``set_flat``, ``load_state_dict``) without copies."""
        return [(lin.weight.detach().numpy().T, lin.bias.detach().numpy()) for lin in self.linears]


def get_flat(module: nn.Module) -> np.ndarray:
    """All parameters as one float32 vector (copy), in ``module.parameters()`` order."""
    return torch.nn.utils.parameters_to_vector(module.parameters()).detach().numpy().astype(np.float32).copy()


def set_flat(module: nn.Module, vector: np.ndarray) -> None:
    """Load a flat float32 vector produced by ``get_flat`` (length must match)."""
    n = sum(p.numel() for p in module.parameters())
    vec = np.asarray(vector, dtype=np.float32)
    if vec.shape != (n,):
        raise ValueError(f"flat weight vector: expected shape ({n},), got {vec.shape}")
    with torch.no_grad():  # in place, so numpy views of the parameters stay valid
        offset = 0
        for p in module.parameters():
            k = p.numel()
            p.copy_(torch.from_numpy(vec[offset : offset + k].copy()).view_as(p))
            offset += k


def weights_digest(vector: np.ndarray) -> str:
    """sha256 of the little-endian float32 bytes of a flat weight vector."""
    return hashlib.sha256(np.asarray(vector, dtype="<f4").tobytes()).hexdigest()
