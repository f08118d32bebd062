"""``bars_to_frame``: NautilusTrader bars read back as the float64 OHLCV frame the features use."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.catalog.query import BAR_COLUMNS, bars_to_frame
from tests.realdata import eth_btc_bars


def test_frame_is_each_bar_read_field_by_field():
    bars = eth_btc_bars(3000, start=500)
    frame = bars_to_frame(bars)
    assert list(frame.columns) == list(BAR_COLUMNS)
    assert all(frame[c].dtype == np.float64 for c in BAR_COLUMNS)
    assert frame.index.name == "ts" and str(frame.index.tz) == "UTC"
    assert frame.index.equals(pd.DatetimeIndex([pd.Timestamp(b.ts_init, tz="UTC") for b in bars]))
    for column in BAR_COLUMNS:
        expected = [getattr(b, column).as_double() for b in bars]
        assert frame[column].tolist() == expected, column
    assert len(frame) == 3000 and frame.index.is_monotonic_increasing


def test_no_bars_give_an_empty_frame_of_the_same_shape():
    frame = bars_to_frame([])
    assert frame.empty and list(frame.columns) == list(BAR_COLUMNS)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]" and frame.index.name == "ts"
