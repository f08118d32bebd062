"""Loading feature sets and bars files for the command line and scripts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.bars import COLUMNS
from indicators.errors import FeatureError
from indicators.spec import FeatureSet


def load_feature_set(value: str) -> FeatureSet:
    """``"default"`` or the path of a JSON file written by ``FeatureSet.to_json()``."""
    if value == "default":
        return FeatureSet.default()
    path = Path(value)
    if not path.is_file():
        raise FeatureError(f"feature set {value!r}: expected 'default' or an existing JSON file")
    return FeatureSet.from_json(path.read_text(encoding="utf-8"), source=str(path))


def read_bars_file(path: str | Path) -> pd.DataFrame:
    """Read contract bars from parquet/CSV: a ``ts`` column (UTC close time) or index, plus OHLCV."""
    path = Path(path)
    if not path.is_file():
        raise FeatureError(f"{path}: bars file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(path)
        elif suffix == ".csv":
            df = pd.read_csv(path)
        else:
            raise FeatureError(f"{path}: unsupported bars file type {suffix!r}; expected .parquet or .csv")
    except (OSError, ValueError) as exc:
        raise FeatureError(f"{path}: cannot read bars: {exc}") from exc
    if "ts" in df.columns:
        try:
            ts = pd.to_datetime(df["ts"], utc=True)
        except (ValueError, TypeError) as exc:
            raise FeatureError(f"{path}: column 'ts' is not a timestamp: {exc}") from exc
        df = df.drop(columns="ts")
        df.index = pd.DatetimeIndex(ts, name="ts")
    elif not isinstance(df.index, pd.DatetimeIndex):
        raise FeatureError(
            f"{path}: expected a 'ts' column (UTC bar close time) or a DatetimeIndex named 'ts'"
        )
    elif df.index.tz is None:
        df.index = df.index.tz_localize("UTC")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise FeatureError(f"{path}: missing column(s) {missing}; expected ts, {', '.join(COLUMNS)}")
    df.index.name = "ts"
    return df[list(COLUMNS)]
