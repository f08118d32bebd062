"""Pre-encoded payloads (``encode_plain`` -> ``Encoded``): the same bytes, chain and errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.eventlog import Encoded, EncodingError, EventLog, canonical_bytes, encode_plain, read_log

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # nan and inf included: they must fail exactly as canonical_bytes fails
    | st.text(max_size=6)
    | st.decimals(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def _outcome(fn, value: Any) -> bytes | str:
    try:
        return bytes(fn(value))
    except EncodingError as exc:
        return f"error: {exc}"


@settings(max_examples=150, deadline=None)
@given(values)
def test_encode_plain_equals_canonical_bytes(value: Any) -> None:
    """Same bytes for every str-keyed value; the same EncodingError (naming the field) otherwise."""
    assert _outcome(encode_plain, value) == _outcome(canonical_bytes, value)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=4), values, max_size=4), min_size=1, max_size=5))
def test_pre_encoded_records_chain_like_plain_ones(tmp_path_factory, payloads: list[dict[str, Any]]) -> None:
    assume(all(isinstance(_outcome(canonical_bytes, p), bytes) for p in payloads))
    base = tmp_path_factory.mktemp("enc")
    heads = []
    for name, prepare in (("plain", lambda p: p), ("encoded", encode_plain)):
        prepared = [prepare(p) for p in payloads]
        with EventLog.create(base / name) as log:
            for i, p in enumerate(prepared):
                log.append(f"Kind{i % 2}é", p)
            heads.append(log.head)
        assert [r.data for r in read_log(base / name)] == [json.loads(canonical_bytes(p)) for p in payloads]
    assert heads[0] == heads[1]


def test_bad_value_in_pre_encoding_names_its_field(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match=r"payload field a\[1\]: expected a finite Decimal"):
        encode_plain({"a": [1, Decimal("NaN")]})
    assert isinstance(encode_plain({"a": Decimal("1.5")}), Encoded)
    assert encode_plain({"a": Decimal("1.5")}) == b'{"a":"1.5"}'


@settings(max_examples=25, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=4), values, max_size=4), min_size=1, max_size=6))
def test_append_encoded_stores_what_append_stores(tmp_path_factory, payloads: list[dict[str, Any]]) -> None:
    """The recorder's ``append_encoded`` (no ``Record`` built) gives the same chain, hashes and log,
    across group commits and segment seals."""
    assume(all(isinstance(_outcome(canonical_bytes, p), bytes) for p in payloads))
    base = tmp_path_factory.mktemp("appenc")
    options = {"group_size": 2, "segment_records": 3}
    with EventLog.create(base / "a", **options) as a, EventLog.create(base / "b", **options) as b:
        for i, p in enumerate(payloads):
            chain = a.append_encoded(f"K{i % 2}", canonical_bytes(p))
            assert chain.hex() == b.append(f"K{i % 2}", p).chain == a.head
        assert (a.count, a.head) == (b.count, b.head)
    stored = [[(r.kind, r.data, r.chain) for r in read_log(base / name)] for name in ("a", "b")]
    assert stored[0] == stored[1]


def test_append_encoded_refuses_a_closed_log_and_a_bad_kind(tmp_path: Path) -> None:
    log = EventLog.create(tmp_path / "log")
    log.append_encoded("Tick", b'{"i":1}')
    for bad in ("", None, 3, ["Tick"]):
        with pytest.raises(LineageError, match="kind must be a non-empty str"):
            log.append_encoded(bad, b"{}")  # type: ignore[arg-type]
    log.close()
    with pytest.raises(LineageError, match="closed"):
        log.append_encoded("Tick", b'{"i":2}')
    assert [r.data for r in read_log(tmp_path / "log")] == [{"i": 1}]
