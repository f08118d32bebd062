"""Decode Binance public WebSocket messages into NautilusTrader data, rejecting malformed input.

Timestamps: ``ts_event`` is the exchange's time from the message, and ``ts_init`` equals it, so a
replayed feed keeps recorded time end to end (the Sandbox venue's clock follows the data). A kline
becomes a ``Bar`` only once closed (``x`` true) and is stamped with its close time
(open + interval): a bar is not known before it closes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec
from nautilus_trader.model.data import Bar, BarType, QuoteTick, TradeTick
from nautilus_trader.model.enums import AggressorSide, BarAggregation
from nautilus_trader.model.identifiers import TradeId
from nautilus_trader.model.instruments import Instrument

from engine.errors import LineageError

MS = 1_000_000
MAX_MS = 4_102_444_800_000  # 2100-01-01: later stamps are corrupt
_UNIT_MS = {BarAggregation.SECOND: 1_000, BarAggregation.MINUTE: 60_000, BarAggregation.HOUR: 3_600_000,
            BarAggregation.DAY: 86_400_000}  # fmt: skip
_UNIT_SUFFIX = {BarAggregation.SECOND: "s", BarAggregation.MINUTE: "m", BarAggregation.HOUR: "h",
                BarAggregation.DAY: "d"}  # fmt: skip


class FeedMessageError(LineageError):
    """A feed message is malformed or inconsistent; the message names the stream and field."""


class Envelope(msgspec.Struct):
    """Combined-stream wrapper."""

    stream: str
    data: msgspec.Raw


class TradeMsg(msgspec.Struct):
    """``<symbol>@trade`` payload."""

    s: str
    t: int
    p: str
    q: str
    T: int
    m: bool


class BookTickerMsg(msgspec.Struct):
    """``<symbol>@bookTicker`` payload (``T``/``E`` present on some venues and on the simulator)."""

    s: str
    b: str
    B: str
    a: str
    A: str
    u: int = 0
    T: int | None = None
    E: int | None = None


class Kline(msgspec.Struct):
    """Inner kline."""

    t: int
    T: int
    s: str
    i: str
    o: str
    c: str
    h: str
    l: str  # noqa: E741 (Binance's field name)
    v: str
    x: bool


class KlineMsg(msgspec.Struct):
    """``<symbol>@kline_<interval>`` payload."""

    s: str
    k: Kline


_ENVELOPE = msgspec.json.Decoder(Envelope)
_DECODERS = {
    "trade": msgspec.json.Decoder(TradeMsg),
    "bookTicker": msgspec.json.Decoder(BookTickerMsg),
    "kline": msgspec.json.Decoder(KlineMsg),
}


def interval_of(bar_type: BarType) -> str:
    """Binance kline interval (``1s``, ``5m``...) of a time bar type; raises for anything else."""
    spec = bar_type.spec
    if spec.aggregation not in _UNIT_SUFFIX:
        raise LineageError(f"bar type {bar_type}: only SECOND/MINUTE/HOUR/DAY time bars come from klines")
    return f"{spec.step}{_UNIT_SUFFIX[spec.aggregation]}"


def interval_ms(bar_type: BarType) -> int:
    """Length of one bar of ``bar_type`` in milliseconds."""
    return bar_type.spec.step * _UNIT_MS[bar_type.spec.aggregation]


def split_envelope(raw: str | bytes) -> tuple[str, bytes]:
    """``(stream, payload)`` of a combined-stream message."""
    try:
        env = _ENVELOPE.decode(raw)
    except msgspec.DecodeError as exc:
        raise FeedMessageError(
            f"not a combined-stream message ({exc}); expected {{'stream': ..., 'data': ...}}"
        ) from None
    return env.stream, bytes(env.data)


def decode(kind: str, stream: str, payload: bytes) -> TradeMsg | BookTickerMsg | KlineMsg:
    """Decode the payload of a stream of ``kind`` (trade, bookTicker, kline)."""
    try:
        return _DECODERS[kind].decode(payload)
    except msgspec.DecodeError as exc:
        raise FeedMessageError(f"stream {stream}: malformed {kind} message: {exc}") from None


def _number(stream: str, field: str, text: str, positive: bool) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FeedMessageError(f"stream {stream}: field {field!r} is {text!r}; expected a number") from None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        expected = "a positive number" if positive else "a non-negative number"
        raise FeedMessageError(f"stream {stream}: field {field!r} is {text!r}; expected {expected}")
    return value


def _ts_ns(stream: str, field: str, ms: int) -> int:
    if not 0 <= ms <= MAX_MS:
        raise FeedMessageError(f"stream {stream}: field {field!r} is {ms}; expected epoch milliseconds")
    return ms * MS


def to_trade(msg: TradeMsg, instrument: Instrument, stream: str) -> TradeTick:
    """TradeTick from a trade message (aggressor is the seller when the buyer is the maker)."""
    ts = _ts_ns(stream, "T", msg.T)
    return TradeTick(
        instrument_id=instrument.id,
        price=instrument.make_price(_number(stream, "p", msg.p, positive=True)),
        size=instrument.make_qty(_number(stream, "q", msg.q, positive=True)),
        aggressor_side=AggressorSide.SELLER if msg.m else AggressorSide.BUYER,
        trade_id=TradeId(str(msg.t)),
        ts_event=ts,
        ts_init=ts,
    )


def to_quote(msg: BookTickerMsg, instrument: Instrument, stream: str, now_ns: int) -> QuoteTick:
    """QuoteTick from a book-ticker message; stamped ``now_ns`` when the message carries no time."""
    bid = _number(stream, "b", msg.b, positive=True)
    ask = _number(stream, "a", msg.a, positive=True)
    if bid > ask:
        raise FeedMessageError(f"stream {stream}: bid {msg.b} above ask {msg.a}; expected bid <= ask")
    stamp = msg.T if msg.T is not None else msg.E
    ts = _ts_ns(stream, "T", stamp) if stamp is not None else now_ns
    return QuoteTick(
        instrument_id=instrument.id,
        bid_price=instrument.make_price(bid),
        ask_price=instrument.make_price(ask),
        bid_size=instrument.make_qty(_number(stream, "B", msg.B, positive=False)),
        ask_size=instrument.make_qty(_number(stream, "A", msg.A, positive=False)),
        ts_event=ts,
        ts_init=ts,
    )


def to_bar(msg: KlineMsg, bar_type: BarType, instrument: Instrument, stream: str) -> Bar | None:
    """Closed kline as a Bar stamped at its close (open + interval); ``None`` for an open kline."""
    k = msg.k
    if not k.x:
        return None
    o, h = _number(stream, "o", k.o, True), _number(stream, "h", k.h, True)
    low, c = _number(stream, "l", k.l, True), _number(stream, "c", k.c, True)
    if not (low <= min(o, c) and max(o, c) <= h):
        raise FeedMessageError(
            f"stream {stream}: kline o={k.o} h={k.h} l={k.l} c={k.c}; expected l <= o,c <= h"
        )
    close_ns = _ts_ns(stream, "t", k.t + interval_ms(bar_type))
    return Bar(
        bar_type=bar_type,
        open=instrument.make_price(o),
        high=instrument.make_price(h),
        low=instrument.make_price(low),
        close=instrument.make_price(c),
        volume=instrument.make_qty(_number(stream, "v", k.v, positive=False)),
        ts_event=close_ns,
        ts_init=close_ns,
    )
