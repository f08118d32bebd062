"""PSR, DSR and PBO against independent computations (scipy) and known properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from engine.walkforward.errors import WalkForwardError
from engine.walkforward.stats import (
    EULER_GAMMA,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    pbo_cscv,
    probabilistic_sharpe_ratio,
    sharpe,
)


def _psr_scipy(r: np.ndarray, sr_star: float) -> float:
    sr = r.mean() / r.std(ddof=1)
    g3 = sps.skew(r)
    g4 = sps.kurtosis(r, fisher=False)
    z = (sr - sr_star) * math.sqrt(len(r) - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    return float(sps.norm.cdf(z))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 600),
    mu=st.floats(-0.002, 0.004),
    star=st.floats(0, 0.1),
)
def test_psr_matches_scipy(seed: int, n: int, mu: float, star: float) -> None:
    r = np.random.default_rng(seed).standard_t(5, size=n) * 0.01 + mu
    assert probabilistic_sharpe_ratio(r, star) == pytest.approx(_psr_scipy(r, star), abs=1e-9)


def test_expected_max_sharpe_matches_scipy_and_simulation() -> None:
    n, var = 100, 0.04
    z = (1 - EULER_GAMMA) * sps.norm.ppf(1 - 1 / n) + EULER_GAMMA * sps.norm.ppf(1 - 1 / (n * math.e))
    assert expected_max_sharpe(n, var) == pytest.approx(math.sqrt(var) * z, rel=1e-9)
    # the formula approximates the mean maximum of n normal Sharpes
    sims = np.random.default_rng(1).normal(0, math.sqrt(var), size=(4000, n)).max(axis=1).mean()
    assert expected_max_sharpe(n, var) == pytest.approx(sims, rel=0.03)
    assert expected_max_sharpe(1, var) == 0.0


def test_dsr_deflates_with_more_trials() -> None:
    r = np.random.default_rng(3).normal(0.001, 0.01, size=500)
    one = deflated_sharpe_ratio(r, 1, 0.01)
    assert one == pytest.approx(probabilistic_sharpe_ratio(r, 0.0))
    values = [deflated_sharpe_ratio(r, n, 0.01) for n in (2, 10, 100, 1000)]
    assert all(a > b for a, b in zip([one, *values], values, strict=False))
    assert values[-1] < 0.5 < one


def test_psr_orders_by_skill() -> None:
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 0.01, size=1000)
    assert probabilistic_sharpe_ratio(noise + 0.002) > 0.99
    assert probabilistic_sharpe_ratio(noise - 0.002) < 0.01
    assert sharpe(np.zeros(10)) == 0.0
    with pytest.raises(WalkForwardError, match="at least 3"):
        probabilistic_sharpe_ratio(np.array([0.1, 0.2]))


def test_pbo_noise_is_about_half_and_skill_is_near_zero() -> None:
    rng = np.random.default_rng(11)
    pbos = [pbo_cscv(rng.normal(0, 0.01, size=(480, 20)), n_splits=10)["pbo"] for _ in range(12)]
    assert 0.3 < float(np.mean(pbos)) < 0.7
    m = rng.normal(0, 0.01, size=(480, 20))
    m[:, 7] += 0.004  # one configuration is truly better
    res = pbo_cscv(m, n_splits=10)
    assert res["pbo"] < 0.05 and res["splits"] == math.comb(10, 5) and res["mean_logit"] > 1


def test_pbo_input_errors() -> None:
    with pytest.raises(WalkForwardError, match="N>=2"):
        pbo_cscv(np.zeros((100, 1)))
    with pytest.raises(WalkForwardError, match="even"):
        pbo_cscv(np.zeros((100, 3)), n_splits=5)
    with pytest.raises(WalkForwardError, match="too few"):
        pbo_cscv(np.zeros((10, 3)), n_splits=8)
