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

import json
from collections.abc import Sequence
from typing import Any

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
