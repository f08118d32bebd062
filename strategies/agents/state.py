"""The agent's state vector: causal market features followed by four facts about the agent itself."""

from __future__ import annotations

import math

import numpy as np

AGENT_FEATURES = ("capital_ratio", "position", "scars", "win_ratio")


def build_state(
    features: np.ndarray, capital_ratio: float, position: float, scar_count: int, win_ratio: float
) -> np.ndarray:
    """``[features..., log(capital_ratio), position, log1p(scars), win_ratio - 0.5]`` as float32.

    ``capital_ratio`` is equity / initial equity, ``position`` the signed exposure (position value /
    equity), ``win_ratio`` the share of winning trades among the agent's recent closed trades (0.5 when
    it has none). Features must already be causal and roughly standardised.
    """
    out = np.empty(len(features) + len(AGENT_FEATURES), dtype=np.float32)
    out[: len(features)] = features
    out[len(features) :] = (
        math.log(max(capital_ratio, 1e-9)),
        position,
        math.log1p(scar_count),
        win_ratio - 0.5,
    )
    return out
