"""Helpers of the model tests: real ETH/BTC features, fast model configurations, planted patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.realdata import ETH_BTC_5M

HORIZON = 6


def eth_btc_features(n_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Causal features (log returns at lags 1/2/3/6/12, rolling std, volume z-score) and
    forward-return labels (-1/0/+1 by the terciles of the 6-bar forward return; NaN at the end)."""
    bars = pd.read_feather(ETH_BTC_5M)
    if n_rows is not None:
        bars = bars.iloc[:n_rows]
    close = bars["close"].to_numpy(np.float64)
    vol = bars["volume"].to_numpy(np.float64)
    logc = np.log(close)
    n = len(close)
    cols = []
    for lag in (1, 2, 3, 6, 12):
        r = np.full(n, np.nan)
        r[lag:] = logc[lag:] - logc[:-lag]
        cols.append(r)
    r1 = pd.Series(cols[0])
    cols.append(r1.rolling(12).std().to_numpy())
    v = pd.Series(np.log1p(vol))
    cols.append(((v - v.rolling(48).mean()) / v.rolling(48).std()).to_numpy())
    X = np.column_stack(cols)
    fwd = np.full(n, np.nan)
    fwd[:-HORIZON] = logc[HORIZON:] - logc[:-HORIZON]
    lo, hi = np.nanquantile(fwd, [1 / 3, 2 / 3])
    y = np.where(np.isnan(fwd), np.nan, np.where(fwd < lo, -1.0, np.where(fwd > hi, 1.0, 0.0)))
    return X, y


# Small, fast configurations of every model kind (the behaviour under test does not need big ones).
FAST: dict[str, dict] = {
    "xgb": {"n_estimators": 30, "max_depth": 3, "subsample": 0.8, "colsample_bytree": 0.8},
    "mlp": {"hidden": [32, 16], "max_epochs": 6},
    "lstm": {"seq_len": 8, "hidden": 8, "max_epochs": 3},
    "ensemble": {
        "members": [
            {"kind": "xgb", "n_estimators": 20, "max_depth": 3, "subsample": 0.8},
            {"kind": "mlp", "hidden": [16], "max_epochs": 4},
            {"kind": "lstm", "seq_len": 6, "hidden": 6, "max_epochs": 2},
        ],
        "weights": [2.0, 1.0, 1.0],
    },
}
KINDS = tuple(FAST)


def fast_model(kind: str, seed: int = 0):
    """A small model of ``kind``; ensemble members get distinct seeds derived from ``seed``."""
    from strategies.models import make_model

    params = dict(FAST[kind])
    if kind == "ensemble":
        params["members"] = [{**m, "seed": seed + i} for i, m in enumerate(params["members"])]
    return make_model(kind, seed=seed, **params)


def planted(n: int, seed: int, lag: int = 0, drop_sell: bool = False):
    """Synthetic rows whose label is set by feature 0 of the row ``lag`` steps back."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    s = np.roll(X[:, 0], lag)
    y = np.where(s > 0.5, 1.0, np.where(s < -0.5, -1.0, 0.0))
    y[:lag] = np.nan
    if drop_sell:
        y[y == -1] = 0.0
    return X, y
