"""Decision inputs per bar: model probabilities, computed streaming (any mode) or batched up front
(backtest fast path). Both count bars from the first bar the strategy sees, so feature anchors,
warm-up and model windows line up; the parity test proves they give identical decisions.

``proba`` gives the probabilities as a tuple of Python floats (``float(x)`` of the model's output,
so the decision text is the same whichever path computed them). ``step`` gives what a
``ModelDecision`` needs from them: ``(probabilities text, signal, confidence)``, the text as
``engine.events.encode_floats`` writes it and the signal as ``decision.signal`` decides it; the
batch path computes all three for every bar up front, vectorised (``encode_float_rows``,
``decision.signals``: equal to the per-row functions, tested).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Sequence

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar

from engine.errors import DataValidationError, LineageError
from engine.events import encode_float_rows, encode_floats
from indicators import FeatureSet, StreamingFeatures, feature_matrix
from strategies.ml.decision import signal, signals
from strategies.models import Model

Proba = tuple[float, ...]
Step = tuple[str, str, float]
"""(probabilities as JSON text, signal, confidence) of one decision."""


def bar_row(bar: Bar) -> tuple[float, float, float, float, float]:
    """OHLCV of a bar as floats (as ``engine.catalog.bars_frame`` reads them)."""
    return (
        bar.open.as_double(),
        bar.high.as_double(),
        bar.low.as_double(),
        bar.close.as_double(),
        bar.volume.as_double(),
    )


class StreamingInputs:
    """Features one bar at a time; the last ``model.window`` post-warm-up rows feed the model."""

    def __init__(self, feature_set: FeatureSet, model: Model, warmup: int, threshold: float = 0.5) -> None:
        self.features = StreamingFeatures(feature_set)
        self.model = model
        self.warmup = warmup
        self.threshold = threshold
        self.first_decision = warmup + model.window - 1
        self._rows: deque[np.ndarray] = deque(maxlen=model.window)
        self._single = model.window == 1

    def proba(self, bar: Bar) -> Proba | None:
        """Probabilities (sell, neutral, buy) at this bar, or None while warming up."""
        row = self.features.update(bar.ts_init, *bar_row(bar))
        i = self.features.count - 1
        if i < self.warmup:
            return None
        if self._single:
            return self.model.predict_row(row.reshape(1, -1))
        self._rows.append(row)
        if i < self.first_decision:
            return None
        return self.model.predict_row(np.stack(self._rows))

    def step(self, bar: Bar) -> Step | None:
        """``(probabilities text, signal, confidence)`` at this bar, or None while warming up."""
        proba = self.proba(bar)
        if proba is None:
            return None
        sig, confidence = signal(proba, self.threshold)
        return encode_floats(proba), sig, confidence


def _column(typecode: str, values: np.ndarray) -> array:
    """``array(typecode, values)`` copied as one block of machine values (not element by element
    through numpy scalars); ``values`` has the matching dtype (float64 for "d", int64 for "q")."""
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(values).tobytes())
    return out


def _batch_proba(bars: pd.DataFrame, feature_set: FeatureSet, model: Model, warmup: int) -> np.ndarray:
    """``model.predict_proba`` of the post-warm-up feature rows, computing only the columns the
    model reads (``Model.used_columns``; the others stay 0.0, which no prediction depends on) and
    storing them in the model's ``input_dtype``. A float32 matrix the model refuses (it holds an
    infinity: a feature that is infinite, or beyond float32's range) is redone in float64, so the
    model accepts or refuses exactly what streaming rows (float64) give it."""
    dtype, columns = model.input_dtype, model.used_columns
    feats = feature_matrix(bars, feature_set, dtype, columns)[warmup:]
    try:
        return model.predict_proba(feats)
    except DataValidationError:
        if dtype == np.float64:
            raise
    return model.predict_proba(feature_matrix(bars, feature_set, np.float64, columns)[warmup:])


def _refuse(bar: Bar) -> None:
    raise LineageError(
        f"fast path: bar at ts={bar.ts_init} ({bar.bar_type}) is not the catalog's bar at that time; "
        "expected the backtest to replay the catalog's bars (run with fast_path=false otherwise)"
    )


class BatchInputs:
    """Features and predictions for every bar from ``bars`` (whose first row is the strategy's first
    bar), looked up by bar close time; each looked-up bar is checked against the batch row.

    Bars normally arrive in order, so the lookup is a cursor; any other time is searched. With
    ``sources`` (the Bar objects ``bars`` was built from, row for row) a bar that *is* the source
    of the next row needs no other check.
    """

    def __init__(
        self,
        bars: pd.DataFrame,
        feature_set: FeatureSet,
        model: Model,
        warmup: int,
        threshold: float = 0.5,
        sources: Sequence[Bar] | None = None,
    ) -> None:
        if sources is not None and len(sources) != len(bars):
            raise ValueError(
                f"BatchInputs: {len(sources)} source bars for {len(bars)} rows; expected one per row"
            )
        self._sources: Sequence[Bar] = () if sources is None else sources
        self.warmup = warmup
        self.first_decision = first = warmup + model.window - 1
        self._proba = np.full((len(bars), 3), np.nan)
        if len(bars) > warmup:
            self._proba[warmup:] = _batch_proba(bars, feature_set, model, warmup)
        decided = self._proba[first:]
        self._texts = encode_float_rows(decided)
        self._signals, self._confidences = signals(decided, threshold)
        # array.array columns: indexing one yields a Python number directly (a numpy scalar per
        # element would cost more than the whole rest of a fast-path bar)
        self._open, self._high, self._low, self._close, self._volume = (
            _column("d", bars[k].to_numpy(dtype=np.float64))
            for k in ("open", "high", "low", "close", "volume")
        )
        self._ts = _column("q", np.asarray(bars.index.asi8, dtype=np.int64))
        self._n = len(self._ts)
        self._next = 0

    def _row_of(self, bar: Bar) -> int:
        """Row of ``bar``: the next row if ``bar`` is its source, else the row at its close time,
        checked against the batch's OHLCV."""
        i = self._next
        sources = self._sources
        if i < len(sources) and sources[i] is bar:
            self._next = i + 1
            return i
        ts = bar.ts_init
        if not (i < self._n and self._ts[i] == ts):
            i = bisect_left(self._ts, ts)
        if (
            i >= self._n
            or self._ts[i] != ts
            or self._close[i] != bar.close.as_double()
            or self._open[i] != bar.open.as_double()
            or self._high[i] != bar.high.as_double()
            or self._low[i] != bar.low.as_double()
            or self._volume[i] != bar.volume.as_double()
        ):
            _refuse(bar)
        self._next = i + 1
        return i

    def proba(self, bar: Bar) -> Proba | None:
        i = self._row_of(bar)
        if i < self.first_decision:
            return None
        return tuple(self._proba[i].tolist())

    def step(self, bar: Bar) -> Step | None:
        i = self._next
        sources = self._sources
        if i < len(sources) and sources[i] is bar:  # ``_row_of``'s first case, inline (every bar)
            self._next = i + 1
        else:
            i = self._row_of(bar)
        k = i - self.first_decision
        if k < 0:
            return None
        return self._texts[k], self._signals[k], self._confidences[k]
