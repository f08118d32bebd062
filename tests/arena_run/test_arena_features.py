"""The arena's features are what QAgentStrategy can reproduce live: streaming values from a cold
start on the evaluation bars equal the batch values computed over the whole history."""

from __future__ import annotations

import numpy as np

from engine.arena.config import DEFAULT_FEATURES
from engine.arena.features import fit_scaling, raw_features
from engine.catalog import load_bars
from engine.catalog.query import bars_to_frame
from indicators import FeatureSet, StreamingFeatures
from tests.arena_run.conftest import BAR, INSTRUMENT


def test_streaming_from_a_later_start_equals_batch_over_history(catalog):
    bars = load_bars(catalog, INSTRUMENT, BAR, "2018-01-10", "2018-01-12 12:00")
    full = bars_to_frame(bars)
    batch, warm = raw_features(full, DEFAULT_FEATURES)
    cut = len(bars) // 2
    stream = StreamingFeatures(FeatureSet.from_names(list(DEFAULT_FEATURES)))
    rows = np.array(
        [
            stream.update(b.ts_init, b.open.as_double(), b.high.as_double(), b.low.as_double(),
                          b.close.as_double(), b.volume.as_double())
            for b in bars[cut:]
        ]
    )  # fmt: skip
    settled = stream.warmup
    np.testing.assert_allclose(rows[settled:], batch[cut + settled :], rtol=1e-9, atol=1e-12)
    scaling = fit_scaling(batch[warm:cut], DEFAULT_FEATURES)
    z = scaling.apply(batch[warm:cut])
    assert np.all(np.abs(z) <= 5.0) and abs(float(np.median(z))) < 1.0
