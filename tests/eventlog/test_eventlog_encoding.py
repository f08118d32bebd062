"""Canonical encoding: unrepresentable values are refused with the field path named."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.eventlog import EncodingError, EventLog, canonical_bytes, decode, read_log


@pytest.mark.parametrize(
    ("payload", "path", "expected"),
    [
        ({"px": math.nan}, "px", "finite number"),
        ({"a": {"b": [1, math.inf]}}, r"a\.b\[1\]", "finite number"),
        ({"fill": {"qty": Decimal("NaN")}}, r"fill\.qty", "finite Decimal"),
        ({"tags": {"x", "y"}}, "tags", "set is not encodable"),
        ({"raw": [b"\x00"]}, r"raw\[0\]", "bytes is not encodable"),
        ({"by_id": {1: "a"}}, "by_id", "keys must be strings"),
        ({"note": "\ud800"}, "note", "UTF-8"),
        (math.nan, "<root>", "finite number"),
    ],
)
def test_unencodable_values_name_their_field(payload: Any, path: str, expected: str) -> None:
    with pytest.raises(EncodingError, match=rf"payload field {path}: .*{expected}"):
        canonical_bytes(payload)


def test_encoding_error_is_a_lineage_error_and_appends_nothing(tmp_path: Path) -> None:
    with EventLog.create(tmp_path / "log") as log:
        log.append("A", {"ok": 1})
        with pytest.raises(LineageError, match=r"payload field data\.bad"):
            log.append("B", {"bad": {1, 2}})
        with pytest.raises(LineageError, match="kind"):
            log.append("", {})
        log.append("C", {"ok": 2})
    assert [(r.seq, r.kind) for r in read_log(tmp_path / "log")] == [(0, "A"), (1, "C")]


keys = st.text(alphabet="abcxyz_", min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    route=st.lists(st.one_of(keys, st.integers(0, 3)), min_size=1, max_size=5),
    bad=st.sampled_from([math.nan, -math.inf, frozenset({1}), b"x", object(), Decimal("sNaN")]),
)
def test_the_path_of_a_deeply_buried_bad_value_is_named(route: list[str | int], bad: Any) -> None:
    value: Any = bad
    path = ""
    for step in reversed(route):
        value = {"ok": 1, step: value} if isinstance(step, str) else [0] * step + [value]
    for step in route:
        path += f".{step}" if isinstance(step, str) else f"[{step}]"
    with pytest.raises(EncodingError) as raised:
        canonical_bytes(value)
    assert f"payload field {path.lstrip('.') or '<root>'}:" in str(raised.value)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(), st.integers() | st.text() | st.floats(allow_nan=False, allow_infinity=False))
)
def test_encoding_is_canonical(value: dict[str, Any]) -> None:
    encoded = canonical_bytes(value)
    reordered = dict(reversed(list(value.items())))
    assert canonical_bytes(reordered) == encoded  # key order does not matter
    assert canonical_bytes(decode(encoded)) == encoded  # a fixed point


class Side(str):
    """A str subclass, like the enums payloads may carry."""


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=5)
        | st.decimals(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=10,
    )
)
def test_fast_and_careful_encodings_agree(value: Any) -> None:
    from engine.eventlog.encoding import _normalise

    expected = json.dumps(_normalise(value, ""), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(value) == expected.encode()
    assert canonical_bytes({Side("k"): [Side("v"), value]}) == canonical_bytes({"k": ["v", value]})
