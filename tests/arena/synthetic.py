"""Seeded synthetic markets for the arena tests."""

from __future__ import annotations

import numpy as np

from strategies.agents import Market


def planted_market(n: int, seed: int, accuracy: float = 0.8, scale: float = 0.004) -> Market:
    """Bars whose next return's sign matches feature 0's sign with probability ``accuracy``.

    Feature 0 is the noisy hint (about +-1), feature 1 pure noise. ``open[t+1] == close[t]``, so the
    return from the fill at ``open[t+1]`` to ``close[t+1]`` is the planted one.
    """
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], size=n)
    hint = np.where(rng.random(n) < accuracy, sign, -sign)
    x = hint * (1 + 0.25 * rng.standard_normal(n))
    r = np.zeros(n)
    r[1:] = sign[:-1] * np.abs(rng.normal(scale, scale / 2, n - 1))
    close = 100 * np.cumprod(1 + r)
    open_ = np.r_[100.0, close[:-1]]
    return Market(open_, close, np.c_[x, rng.standard_normal(n)], name="planted")
