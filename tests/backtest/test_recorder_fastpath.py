"""The recorder's fast path gives the generic canonical bytes, byte for byte, ids in the same order.

Real runs (CASH and MARGIN accounts, NautilusTrader's EMACross and Lineage's own events) feed
every event they publish through both routes; hypothesis throws arbitrary dicts at both.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from engine.backtest.execution import build_engine
from engine.eventlog import encode_plain
from engine.recording import IdMapper
from engine.recording.canonical import _canonical_dict, canonical_event, event_bytes, event_dict
from engine.recording.fastpath import encode_event
from engine.recording.prices import closes_json, marks_payload, price_strings, price_text
from engine.recording.recorder import RECORDED_EVENT_TYPES
from tests.backtest.ema import ema_cross
from tests.backtest.test_recorder import BALANCES, Publisher
from tests.realdata import eth_btc_bars, eth_btc_pair


class Tap(Actor):
    """Keeps every message published on the bus (subscribed like the recorder)."""

    def __init__(self) -> None:
        super().__init__(ActorConfig(component_id="Tap"))
        self.messages: list[Any] = []

    def register_base(self, portfolio, msgbus, cache, clock) -> None:  # type: ignore[override]
        super().register_base(portfolio, msgbus, cache, clock)
        msgbus.subscribe("*", self.messages.append)


def _bus_messages(account_type: str, strategy: Any, bars: int = 1500) -> list[Any]:
    engine = build_engine(eth_btc_pair(), eth_btc_bars(bars), BALANCES, seed=7, account_type=account_type)
    tap = Tap()
    engine.add_actor(tap)
    engine.add_strategy(strategy)
    engine.run()
    engine.dispose()
    return tap.messages


_ema_cross = ema_cross


@pytest.mark.parametrize(
    ("account_type", "strategy"), [("CASH", _ema_cross), ("MARGIN", _ema_cross), ("CASH", Publisher)]
)
def test_every_event_of_a_real_run_encodes_as_the_generic_walk(account_type, strategy):
    messages = _bus_messages(account_type, strategy())
    events = [m for m in messages if isinstance(m, RECORDED_EVENT_TYPES)]
    kinds = {type(e).__name__ for e in events}
    assert {"OrderFilled", "PositionOpened", "AccountState"} <= kinds or strategy is Publisher
    assert strategy is not Publisher or {"ModelDecision", "Scar"} <= kinds
    fast_ids, generic_ids = IdMapper(), IdMapper()
    for event in events:  # duplicates included: an id seen before must map to the same number
        assert event_bytes(event, fast_ids) == encode_plain(canonical_event(event, generic_ids))
        # the fast path itself handled it (no silent fallback to the generic walk)
        assert encode_event(type(event), event_dict(event), IdMapper()) is not None, type(event)
    assert fast_ids._ids == generic_ids._ids
    bars = [m for m in messages if type(m) is Bar]
    assert price_strings(bars) == [str(b.close) for b in bars]
    assert closes_json(bars) is not None  # real closes take the numpy route
    assert marks_payload("t", bars) == encode_plain(
        {"bar_type": "t", "ts": [b.ts_init for b in bars], "close": [str(b.close) for b in bars]}
    )


class Colour(Enum):
    RED = 1
    BLUE = "b"


_uuids = st.uuids().map(str)
# UUIDs inside longer strings, next to quotes, backslashes and JSON punctuation
_around_before = st.sampled_from(["", "x", '"', 'x"', '\\"', "\\", ':"', ',"', '["', "{", '":"'])
_around_after = st.sampled_from(["", '"', '":', '"x', "\\", "]", '","'])
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(max_size=6)
    | st.text(alphabet='0123456789abcdef-"\\:,[]{}', max_size=40)
    | _uuids
    | _uuids.map(str.upper)
    | st.builds("".join, st.tuples(_around_before, _uuids, _around_after))
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from(list(Colour))
    | st.sampled_from([InstrumentId.from_str("ETHBTC.SIM"), InstrumentId.from_str("BTC-PERP.BINANCE")])
)
keys = st.text(max_size=4) | _uuids | st.integers(-3, 3)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)
events = st.dictionaries(keys, values, max_size=8) | st.fixed_dictionaries(
    {"type": st.sampled_from(["OrderFilled", str(uuid.UUID(int=7)), ["x"], 3]), "event_id": _uuids},
    optional={"ts": st.integers(0, 2**63), "px": st.floats(), "ids": st.lists(_uuids, max_size=2)},
)


def _generic(data: dict[Any, Any], ids: IdMapper) -> bytes:
    canonical = _canonical_dict(data, ids)
    canonical.pop("type", None)
    return encode_plain(canonical)


@settings(max_examples=400, deadline=None)
@given(events, st.lists(_uuids, max_size=3))
def test_fast_path_equals_generic_walk_or_declines(data: dict[Any, Any], seen: list[str]) -> None:
    """Same bytes and the same id numbering; when it declines (``None``) no id was taken."""
    fast_ids, generic_ids = IdMapper(), IdMapper()
    for value in seen:  # ids already handed out earlier in the run
        fast_ids(value), generic_ids(value)
    try:
        expected = _generic(dict(data), generic_ids)
    except Exception as exc:  # the generic route refuses it: so must the fast path
        assert encode_event(dict, dict(data), IdMapper()) is None, exc
        return
    before = dict(fast_ids._ids)
    out = encode_event(dict, dict(data), fast_ids)
    if out is None:
        assert fast_ids._ids == before
    else:
        assert out == expected
        assert fast_ids._ids == generic_ids._ids


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=3) | _uuids,
        st.builds("".join, st.tuples(_around_before, _uuids, _around_after))
        | st.lists(st.builds("".join, st.tuples(_around_before, _uuids, _around_after)), max_size=2),
        max_size=3,
    ),
    st.lists(_uuids, max_size=2),
)
def test_uuids_next_to_json_punctuation(data: dict[str, Any], seen: list[str]) -> None:
    """Only a string value that is exactly a UUID is mapped, wherever quotes and escapes sit."""
    test_fast_path_equals_generic_walk_or_declines.hypothesis.inner_test(data, seen)


@pytest.mark.parametrize(
    "value",
    ['x"{u}', '"{u}', '\\"{u}', '{u}"', '{u}":', 'a","b":"{u}', '["{u}"]', "{u}\\", "{U}"],
)
def test_a_uuid_inside_a_longer_string_is_not_mapped(value: str) -> None:
    u = "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
    data = {"event_id": u, "note": value.format(u=u, U=u.upper())}
    ids = IdMapper()
    out = encode_event(dict, dict(data), ids)
    assert out == _generic(data, IdMapper()) and len(ids) == 1
    assert out is not None and b'"event_id":"uuid-000001"' in out


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=6),
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=8)
        | st.floats(allow_nan=False, allow_infinity=False),
        max_size=10,
    ),
    _uuids,
)
def test_fast_path_takes_plain_events_with_one_uuid(data: dict[str, Any], event_id: str) -> None:
    """The common shape (plain values, one random id) never falls back."""
    data = {**data, "event_id": event_id}
    out = encode_event(dict, dict(data), IdMapper())
    assert out is not None and out == _generic(data, IdMapper())
    assert b'"event_id":"uuid-000001"' in out


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9), st.integers(-(10**28), 10**28), st.integers(-(10**16), 10**16))
def test_price_text_is_nautilus_price_str(precision: int, value: int, rest: int) -> None:
    scale = Price(1, 0).raw // 10**precision
    for raw in (value - value % scale, value + rest):  # a whole number of ticks, and anything
        text = price_text(raw, precision)
        if raw % scale == 0 and abs(raw // scale) < 10**27:
            assert text is not None
        if text is not None:
            assert text == str(Price.from_raw(raw, precision))


_MARKED = BarType.from_str("ETHBTC.SIM-5-MINUTE-LAST-EXTERNAL")
_PRICE_MAX_RAW = 10**13 * Price(1, 0).raw  # well inside NautilusTrader's price range


def _bar_closing_at(raw: int, precision: int, ts: int) -> Bar:
    close = Price.from_raw(raw, precision)
    return Bar(_MARKED, close, close, close, close, Quantity.from_int(1), ts, ts)


@st.composite
def _closes(draw) -> list[tuple[int, int]]:
    """(raw, precision) per bar: mostly whole ticks of one precision, any size from 0 to past 2**52
    ticks; sometimes a stray precision, a raw between ticks or a negative price."""
    precision = draw(st.integers(0, 9))
    unit = Price(1, 0).raw // 10**precision
    top = min(2**53, _PRICE_MAX_RAW // unit)
    ticks = (
        st.integers(0, 10**precision + 3) | st.integers(0, top) | st.sampled_from([0, 1, 2**52 - 1, 2**52])
    )
    out = [(t * unit, precision) for t in draw(st.lists(ticks, min_size=1, max_size=12))]
    spoil = draw(st.sampled_from(["none", "none", "precision", "between", "negative"]))
    i = draw(st.integers(0, len(out) - 1))
    raw, _ = out[i]
    if spoil == "precision":
        out[i] = (raw - raw % (unit * 10), max(precision - 1, 0))
    elif spoil == "between" and unit > 1:
        out[i] = (raw + draw(st.integers(1, unit - 1)), precision)
    elif spoil == "negative":
        out[i] = (-raw, precision)
    return [(max(min(raw, _PRICE_MAX_RAW), -_PRICE_MAX_RAW), p) for raw, p in out]


@settings(max_examples=300, deadline=None)
@given(_closes(), st.integers(0, 2**62))
def test_marks_payload_is_the_canonical_marks_record(closes: list[tuple[int, int]], ts: int) -> None:
    """Whatever the closes, ``marks_payload`` gives ``encode_plain`` of the ``Marks`` payload; the
    numpy route declines (``None``) rather than differ."""
    bars = [_bar_closing_at(raw, p, ts + i) for i, (raw, p) in enumerate(closes)]
    texts = [str(b.close) for b in bars]
    expected = encode_plain({"bar_type": str(_MARKED), "ts": [b.ts_init for b in bars], "close": texts})
    assert marks_payload(str(_MARKED), bars) == expected
    fast = closes_json(bars)
    assert fast is None or fast == encode_plain(texts)
    whole = all(raw >= 0 and raw % (Price(1, 0).raw // 10**p) == 0 for raw, p in closes)
    if (
        whole
        and len({p for _, p in closes}) == 1
        and max(raw for raw, _ in closes) < 2**51 * (Price(1, 0).raw // 10 ** closes[0][1])
    ):
        assert fast is not None  # the common case does take the numpy route
