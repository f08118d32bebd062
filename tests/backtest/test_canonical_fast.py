"""The recorder's one-pass encoding equals the canonical encoding of the canonical form."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import Enum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.eventlog import canonical_bytes, encode_plain
from engine.recording import IdMapper
from engine.recording.canonical import _canonical_dict, canonical_value


class Colour(Enum):
    RED = 1
    BLUE = "b"


leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.uuids().map(str)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from(list(Colour))
)
keys = st.text(max_size=4) | st.integers(-3, 3)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_one_pass_encoding_of_canonical_form_is_canonical(event: dict[Any, Any]) -> None:
    canonical = canonical_value(event, IdMapper())
    assert _canonical_dict(event, IdMapper()) == canonical
    assert encode_plain(canonical) == canonical_bytes(canonical)


def test_uuids_are_mapped_in_first_appearance_order():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    ids = IdMapper()
    out = _canonical_dict({"x": a, "y": [b, a], "z": {"w": Decimal("1.0")}}, ids)
    assert out == {"x": "uuid-000001", "y": ["uuid-000002", "uuid-000001"], "z": {"w": "1.0"}}


@settings(max_examples=50, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.integers(0, 2**63 - 1),
    st.sampled_from(["ETHBTC.SIM", "BTC-PERP.BINANCE", "AUD/USD.SIM"]),
)
def test_lineage_event_bytes_equal_the_generic_walk(confidence, action, ts, instrument):
    """Per-class field lists and the InstrumentId shortcut give the bytes of the generic route."""
    import dataclasses

    from nautilus_trader.model.identifiers import InstrumentId

    from engine.events import ModelDecision
    from engine.recording.canonical import canonical_event_bytes

    event = ModelDecision(
        ts_event=ts,
        ts_init=ts,
        model_id="m:1",
        artifact_hash=str(uuid.UUID(int=ts)),
        probabilities="[0.1,0.9]",
        action=action,
        confidence=confidence,
        instrument_id=InstrumentId.from_str(instrument),
    )
    generic = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    generic.update(ts_event=ts, ts_init=ts)
    generic = {k: str(v) if isinstance(v, InstrumentId) else v for k, v in generic.items()}
    expected = canonical_bytes(canonical_value(generic, IdMapper()))
    assert canonical_event_bytes(event, IdMapper()) == expected
