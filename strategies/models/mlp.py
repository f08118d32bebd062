"""PyTorch multi-layer perceptron classifier over single feature rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.errors import LineageError
from strategies.models._torch import TorchModel, torch_defaults
from strategies.models.base import N_CLASSES

MAX_WEIGHT_BYTES = 5 * 1024 * 1024


class MLPModel(TorchModel):
    """Feed-forward net (ReLU hidden layers, default 64-32) on standardised rows; window 1."""

    kind = "mlp"

    def __init__(self, hidden: Sequence[int] = (64, 32), dropout: float = 0.0, **train: Any) -> None:
        params = torch_defaults(**train)
        params.update({"hidden": [int(h) for h in hidden], "dropout": float(dropout)})
        super().__init__(params)

    def _build_net(self, n_features: int) -> nn.Module:
        layers: list[nn.Module] = []
        width = n_features
        for h in self._params["hidden"]:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if self._params["dropout"] > 0:
                layers.append(nn.Dropout(self._params["dropout"]))
            width = h
        layers.append(nn.Linear(width, N_CLASSES))
        net = nn.Sequential(*layers)
        size = sum(p.numel() * p.element_size() for p in net.parameters())
        if size > MAX_WEIGHT_BYTES:
            raise LineageError(
                f"mlp: hidden {self._params['hidden']} with {n_features} features needs {size} bytes of "
                f"weights; expected at most {MAX_WEIGHT_BYTES} (5 MiB)"
            )
        return net

    def _samples(self, Z: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(Z)
