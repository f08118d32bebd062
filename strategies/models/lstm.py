"""PyTorch LSTM classifier over sliding windows of ``seq_len`` feature rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from engine.errors import LineageError
from strategies.models._torch import TorchModel, torch_defaults
from strategies.models.base import N_CLASSES


class _LSTMNet(nn.Module):
    def __init__(self, n_features: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            n_features, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
        )
        self.head = nn.Linear(hidden, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


class LSTMModel(TorchModel):
    """LSTM over the last ``seq_len`` standardised rows; row i uses rows i-seq_len+1 .. i."""

    kind = "lstm"

    def __init__(
        self, seq_len: int = 16, hidden: int = 16, layers: int = 1, dropout: float = 0.0, **train: Any
    ) -> None:
        params = torch_defaults(**train)
        params.update(
            {"seq_len": int(seq_len), "hidden": int(hidden), "layers": int(layers), "dropout": float(dropout)}
        )
        if params["seq_len"] < 1:
            raise LineageError(f"lstm: seq_len is {seq_len!r}; expected an integer >= 1")
        super().__init__(params)

    @property
    def window(self) -> int:
        return self._params["seq_len"]

    def _build_net(self, n_features: int) -> nn.Module:
        p = self._params
        return _LSTMNet(n_features, p["hidden"], p["layers"], p["dropout"])

    def _samples(self, Z: np.ndarray) -> torch.Tensor:
        # (n - seq_len + 1, seq_len, n_features): window k ends at row k + seq_len - 1
        t = torch.from_numpy(Z)
        return t.unfold(0, self.window, 1).permute(0, 2, 1).contiguous()
