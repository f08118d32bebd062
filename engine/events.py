"""Lineage's own events, published by strategies and recorded in the run's event log.

Strategies publish them like any custom data::

    self.publish_data(DataType(ModelDecision), ModelDecision(ts_event=t, ts_init=t, ...))

The recorder logs every ``LineageEvent`` under its class name. Define new ones with
``@customdataclass`` on a ``LineageEvent`` subclass; fields must be ``str``, ``int``, ``float``,
``bool`` or ``InstrumentId`` (lists and mappings travel as canonical JSON strings, see
``encode_json``) so NautilusTrader can also persist them in a catalog.

This module deliberately avoids ``from __future__ import annotations``: ``customdataclass``
reads the real annotation types to build the Arrow schema.
"""

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import numpy as np
from nautilus_trader.core.data import Data
from nautilus_trader.model.custom import customdataclass
from nautilus_trader.model.identifiers import InstrumentId


class LineageEvent(Data):
    """Marker base class of every Lineage custom event (no fields of its own)."""


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_FINITE_MAX = 1.7976931348623157e308


def encode_json(value: Any) -> str:
    """Canonical JSON text for list/dict fields (sorted keys, no whitespace)."""
    return _ENCODE(value)


def encode_floats(values: Sequence[float]) -> str:
    """``encode_json(list(values))`` for Python floats, without the encoder's set-up: the text of
    a ``ModelDecision``'s probabilities on the per-bar hot path. Non-finite values take
    ``encode_json`` (which writes ``NaN``/``Infinity``)."""
    for v in values:
        if not -_FINITE_MAX <= v <= _FINITE_MAX:
            return _ENCODE(list(values))
    return "[" + ",".join(map(float.__repr__, values)) + "]"


# msgspec writes the same shortest round-trip digits as ``float.__repr__`` and, for magnitudes in
# [1e-4, 1e16) and zero, the same positional notation (outside it the notations differ: ``1e-05`` vs
# ``0.00001``, ``1e+16`` vs ``1e16``). tests/events checks this on millions of values.
_MSGSPEC_ENCODE = msgspec.json.Encoder().encode
_POSITIONAL_MIN, _POSITIONAL_END = 1e-4, 1e16
_COMMA, _NEWLINE = ord(","), ord("\n")


def encode_float_rows(rows: np.ndarray) -> list[str]:
    """``[encode_floats(row) for row in rows.tolist()]`` for a 2-D float64 array, about five
    times faster (1M rows of 3: 0.67 s against 3.4 s): rows whose values all print positionally
    (zero or magnitude in [1e-4, 1e16)) are written by msgspec in one call; any other row (tiny,
    huge, NaN, infinite) takes ``encode_floats``."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2:
        raise ValueError(f"encode_float_rows: expected a 2-D array, got shape {rows.shape}")
    mag = np.abs(rows)
    with np.errstate(invalid="ignore"):
        plain = (((mag >= _POSITIONAL_MIN) & (mag < _POSITIONAL_END)) | (mag == 0.0)).all(axis=1)
    n, width = rows.shape
    if n == 0:
        return []
    if width == 0:
        return ["[]"] * n
    # one flat list of floats (no per-row lists: 100k+ small lists would also wake the cyclic
    # garbage collector over everything the process holds), encoded in one call; every
    # ``width``-th comma then ends a row: it becomes a newline, each newline "]\n[", and one split
    # gives the rows' texts (the list's own brackets open the first and close the last)
    text = bytearray(_MSGSPEC_ENCODE(rows.ravel().tolist()))
    view = np.frombuffer(text, dtype=np.uint8)
    view[np.flatnonzero(view == _COMMA)[width - 1 :: width]] = _NEWLINE
    out = text.decode().replace("\n", "]\n[").split("\n")
    for i in np.flatnonzero(~plain).tolist():
        out[i] = encode_floats(rows[i].tolist())
    return out


@customdataclass
class ModelDecision(LineageEvent):
    """A model's decision on one bar: which model, on which features, what it said and did.

    ``probabilities`` is a JSON list (see ``encode_json``); the decision time is ``ts_event``.
    """

    model_id: str = ""
    artifact_hash: str = ""
    feature_digest: str = ""
    probabilities: str = "[]"
    action: str = ""
    confidence: float = 0.0
    instrument_id: InstrumentId = None


_DECISION_FIELDS = ("model_id", "artifact_hash", "feature_digest", "probabilities", "action", "confidence")
if tuple(f.name for f in dataclasses.fields(ModelDecision)) != (*_DECISION_FIELDS, "instrument_id"):
    raise ImportError("ModelDecision's fields changed: update decision_factory")


def decision_factory(
    model_id: str, artifact_hash: str, feature_digest: str, instrument_id: InstrumentId
) -> Callable[[int, str, str, float], ModelDecision]:
    """``make(ts, probabilities, action, confidence)``: the ``ModelDecision`` that
    ``ModelDecision(ts_event=ts, ts_init=ts, ...)`` builds with these fixed fields (same attributes
    in the same order), for the per-bar hot path: it fills the instance dict in one step instead of
    going through NautilusTrader's ``customdataclass`` and the dataclass ``__init__`` (a third of
    the cost)."""
    new = ModelDecision.__new__
    # the instance dict every decision starts from: the fixed fields, then placeholders, in the
    # attribute order ``ModelDecision(...)`` leaves them in
    template = {
        "model_id": model_id,
        "artifact_hash": artifact_hash,
        "feature_digest": feature_digest,
        "probabilities": "[]",
        "action": "",
        "confidence": 0.0,
        "instrument_id": instrument_id,
        "_ts_event": 0,
        "_ts_init": 0,
    }

    def make(ts: int, probabilities: str, action: str, confidence: float) -> ModelDecision:
        event = new(ModelDecision)
        attrs = template.copy()  # a copy keeps the keys' order; assigning a key keeps its place
        attrs["probabilities"] = probabilities
        attrs["action"] = action
        attrs["confidence"] = confidence
        attrs["_ts_event"] = ts
        attrs["_ts_init"] = ts
        event.__dict__ = attrs
        return event

    return make


@customdataclass
class Scar(LineageEvent):
    """A permanent mark left on an agent when a loss crosses a threshold.

    ``severity`` is light / moderate / severe; ``kind`` is drawdown or trade_loss;
    ``equity``/``peak`` are Decimal strings; ``effects`` is a JSON object (see ``encode_json``).
    ``weight``, ``ordinal`` and ``paused_until`` (ns, -1 = no pause) complete the payload of
    ``strategies.scars.Scar.to_event`` so ``fold_condition`` rebuilds an agent from its log.
    """

    agent_id: str = ""
    severity: str = ""
    kind: str = ""
    loss_fraction: float = 0.0
    equity: str = "0"
    peak: str = "0"
    effects: str = "{}"
    weight: float = 0.0
    ordinal: int = 0
    paused_until: int = -1
