"""Overfitting statistics (Bailey & López de Prado).

* ``probabilistic_sharpe_ratio``: P(true Sharpe > benchmark) given the observed per-period Sharpe,
  the sample length and the returns' skewness and kurtosis (2012, "The Sharpe ratio efficient
  frontier").
* ``deflated_sharpe_ratio``: the PSR against the Sharpe the best of ``n_trials`` unskilled
  configurations would reach by luck, from the variance of the trials' Sharpes (2014, "The
  deflated Sharpe ratio").
* ``pbo_cscv``: probability of backtest overfitting by combinatorially symmetric cross-validation
  (2015, "The probability of backtest overfitting").

Sharpe ratios here are per period (not annualised), as the formulas require. Only the standard
library's normal distribution is used.
"""

from __future__ import annotations

import math
from itertools import combinations
from statistics import NormalDist

import numpy as np

from engine.walkforward.errors import WalkForwardError

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def sharpe(returns: np.ndarray) -> float:
    """Per-period Sharpe ratio (mean / sample std, ddof=1); 0.0 for a flat series."""
    r = np.asarray(returns, dtype=float)
    sd = float(np.std(r, ddof=1)) if r.size > 1 else 0.0
    return float(np.mean(r)) / sd if sd > 0 else 0.0


def _moments(r: np.ndarray) -> tuple[float, float]:
    """Skewness and (non-excess) kurtosis, population estimators."""
    c = r - r.mean()
    m2 = float(np.mean(c**2))
    if m2 == 0:
        return 0.0, 3.0
    return float(np.mean(c**3)) / m2**1.5, float(np.mean(c**4)) / m2**2


def probabilistic_sharpe_ratio(returns: np.ndarray, benchmark_sharpe: float = 0.0) -> float:
    """PSR: ``Phi((SR - SR*) sqrt(T-1) / sqrt(1 - g3 SR + (g4-1)/4 SR^2))``."""
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    if r.size < 3:
        raise WalkForwardError(f"PSR: need at least 3 returns, got {r.size}")
    sr = sharpe(r)
    g3, g4 = _moments(r)
    denom = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr**2
    if denom <= 0:
        return float(sr > benchmark_sharpe)
    return _N.cdf((sr - benchmark_sharpe) * math.sqrt(r.size - 1) / math.sqrt(denom))


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """E[max Sharpe] of ``n_trials`` unskilled configurations whose Sharpes have this variance."""
    if n_trials < 1:
        raise WalkForwardError(f"n_trials: expected >= 1, got {n_trials}")
    if n_trials == 1 or sharpe_variance <= 0:
        return 0.0
    n = float(n_trials)
    z = (1 - EULER_GAMMA) * _N.inv_cdf(1 - 1 / n) + EULER_GAMMA * _N.inv_cdf(1 - 1 / (n * math.e))
    return math.sqrt(sharpe_variance) * z


def deflated_sharpe_ratio(returns: np.ndarray, n_trials: int, sharpe_variance: float) -> float:
    """DSR: PSR of the selected configuration's returns against ``expected_max_sharpe``."""
    return probabilistic_sharpe_ratio(returns, expected_max_sharpe(n_trials, sharpe_variance))


def pbo_cscv(returns: np.ndarray, n_splits: int = 16) -> dict[str, float]:
    """Probability of backtest overfitting of choosing the best of N configurations.

    ``returns``: (T, N) per-period returns of N configurations over the same T periods. The rows
    are cut into ``n_splits`` (even) contiguous blocks; for every half of the blocks as in-sample
    (the rest out-of-sample) the configuration with the best in-sample Sharpe is located in the
    out-of-sample ranking; PBO is the share of splits where it ranks at or below the median
    (logit <= 0). Returns ``pbo``, ``splits`` and the mean logit.
    """
    m = np.asarray(returns, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        raise WalkForwardError(f"pbo_cscv: expected a (T, N>=2) matrix of returns, got shape {m.shape}")
    if n_splits < 2 or n_splits % 2:
        raise WalkForwardError(f"pbo_cscv: n_splits must be an even number >= 2, got {n_splits}")
    if m.shape[0] < 2 * n_splits:
        raise WalkForwardError(f"pbo_cscv: {m.shape[0]} rows are too few for {n_splits} splits")
    blocks = np.array_split(np.arange(m.shape[0]), n_splits)
    n = m.shape[1]
    logits = []
    for chosen in combinations(range(n_splits), n_splits // 2):
        is_rows = np.concatenate([blocks[i] for i in chosen])
        oos_rows = np.concatenate([blocks[i] for i in range(n_splits) if i not in chosen])
        best = int(np.argmax(_sharpes(m[is_rows])))
        oos = _sharpes(m[oos_rows])
        rank = 1 + int(np.sum(oos < oos[best])) + 0.5 * int(np.sum(oos == oos[best]) - 1)
        omega = rank / (n + 1)
        logits.append(math.log(omega / (1 - omega)))
    lam = np.array(logits)
    return {"pbo": float(np.mean(lam <= 0)), "splits": len(lam), "mean_logit": float(lam.mean())}


def _sharpes(m: np.ndarray) -> np.ndarray:
    sd = m.std(axis=0, ddof=1)
    mean = m.mean(axis=0)
    return np.where(sd > 0, mean / np.where(sd > 0, sd, 1.0), 0.0)
