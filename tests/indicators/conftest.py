"""Real bars from the bundled sample, loaded into the bars contract (index = bar close time)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.realdata import CRYPTO


def load_feather(name: str, interval: str) -> pd.DataFrame:
    """Load a freqtrade feather file (``date`` = bar open time) as bars indexed by close time ``ts``."""
    df = pd.read_feather(CRYPTO / name)
    ts = pd.DatetimeIndex(pd.to_datetime(df["date"], utc=True)) + pd.Timedelta(interval)
    out = df[["open", "high", "low", "close", "volume"]].astype("float64")
    out.index = ts.rename("ts")
    return out


@pytest.fixture(scope="session")
def eth_bars() -> pd.DataFrame:
    return load_feather("ETH_BTC-5m.feather", "5min")


@pytest.fixture(scope="session")
def ada_bars() -> pd.DataFrame:
    """ADA/BTC 5m: has gaps."""
    return load_feather("ADA_BTC-5m.feather", "5min")


def load_btc_1m(rows: int) -> pd.DataFrame:
    """First ``rows`` BTC-PERP 1-minute bars (naive UTC open times in the CSV)."""
    df = pd.read_csv(CRYPTO / "BTC-PERP-1m-2022-01.csv", nrows=rows)
    out = df[["open", "high", "low", "close", "volume"]].astype("float64")
    opened = pd.DatetimeIndex(pd.to_datetime(df["timestamp"], utc=True))
    out.index = (opened + pd.Timedelta("1min")).rename("ts")
    return out


@pytest.fixture(scope="session")
def btc_1m_bars() -> pd.DataFrame:
    return load_btc_1m(6000)


def stream_all(feature_set, bars: pd.DataFrame):
    """Feed every bar to a fresh ``StreamingFeatures``; return the (rows, features) matrix."""
    import numpy as np

    from indicators import StreamingFeatures

    s = StreamingFeatures(feature_set)
    values = bars.to_numpy()
    ts = bars.index.asi8
    return np.array([s.update(int(ts[i]), *values[i]) for i in range(len(bars))])
