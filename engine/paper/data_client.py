"""A keyless market-data client over Binance public streams (real Binance or the local simulator).

It loads the instrument from ``GET /api/v3/exchangeInfo`` (or a NautilusTrader catalog), keeps one
combined-stream WebSocket (``/stream?streams=...``) and publishes TradeTick, QuoteTick and closed-kline
Bars. When the socket drops it reconnects with exponential backoff and reports a ``FeedGap`` to every
listener registered with ``add_gap_listener`` (the recorder turns these into ``FeedGap`` events).
Malformed, foreign or out-of-order messages are rejected with an error log line and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal

import aiohttp
import msgspec
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.common.providers import InstrumentProvider
from nautilus_trader.data.messages import (
    RequestBars,
    SubscribeBars,
    SubscribeInstrument,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeBars,
    UnsubscribeQuoteTicks,
    UnsubscribeTradeTicks,
)
from nautilus_trader.live.config import LiveDataClientConfig
from nautilus_trader.live.data_client import LiveMarketDataClient as NautilusLiveMarketDataClient
from nautilus_trader.live.factories import LiveDataClientFactory
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import AggregationSource, PriceType
from nautilus_trader.model.identifiers import ClientId, InstrumentId, Venue
from nautilus_trader.model.instruments import Instrument

from engine.errors import LineageError
from engine.paper import wire
from engine.paper.events import FeedGap
from engine.paper.instruments import currency_pair_from_exchange_info


class LiveMarketDataClientConfig(LiveDataClientConfig, frozen=True, kw_only=True):
    """Configuration of ``LiveMarketDataClient``.

    ``base_url_http``/``base_url_ws`` point at Binance spot (defaults) or at ``lineage exchange-sim``
    (``http://127.0.0.1:PORT`` and ``ws://127.0.0.1:PORT``). No API keys are used.
    """

    instrument_ids: tuple[str, ...]
    venue: str = "BINANCE"
    base_url_http: str = "https://api.binance.com"
    base_url_ws: str = "wss://stream.binance.com:9443"
    catalog_path: str | None = None
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    connect_timeout: float = 10.0
    reconnect_initial_delay: float = 0.1
    reconnect_max_delay: float = 5.0


class LiveMarketDataClient(NautilusLiveMarketDataClient):
    """Publishes trades, book tickers and closed klines of its instruments from public streams."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        config: LiveMarketDataClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or config.venue),
            venue=Venue(config.venue),
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=InstrumentProvider(),
            config=config,
        )
        self._cfg = config
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._connected_once = asyncio.Event()
        self._closing = False
        self._ids = itertools.count(1)
        self._instruments: dict[str, Instrument] = {}  # by lower-case raw symbol
        self._streams: set[str] = set()
        self._bar_types: dict[str, BarType] = {}
        self._last_ts: dict[str, int] = {}
        self._gap_listeners: list[Callable[[FeedGap], None]] = []
        self.gaps: list[FeedGap] = []
        self.rejected = 0
        self.rejections: deque[str] = deque(maxlen=100)  # the latest rejection log lines
        self.received = 0
        self.last_message_ns = 0

    # -- public hooks ----------------------------------------------------------------------------------

    def add_gap_listener(self, listener: Callable[[FeedGap], None]) -> None:
        """Call ``listener(gap)`` whenever the feed comes back after a drop."""
        self._gap_listeners.append(listener)

    @property
    def streams(self) -> frozenset[str]:
        """Streams currently subscribed."""
        return frozenset(self._streams)

    # -- connection ------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        self._closing = False
        self._session = aiohttp.ClientSession()
        for raw_id in self._cfg.instrument_ids:
            instrument = await self._load_instrument(InstrumentId.from_str(raw_id))
            self._instruments[instrument.raw_symbol.value.lower()] = instrument
            self._instrument_provider.add(instrument)
            self._handle_data(instrument)
        self._run_task = self._loop.create_task(self._run(), name=f"{self.id}-feed")
        try:
            await asyncio.wait_for(self._connected_once.wait(), self._cfg.connect_timeout)
        except TimeoutError:
            raise LineageError(f"{self.id}: no WebSocket connection to {self._cfg.base_url_ws} after "
                               f"{self._cfg.connect_timeout}s") from None  # fmt: skip

    async def _disconnect(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 2.0)
        if self._run_task is not None:
            self._run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._run_task
            self._run_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _load_instrument(self, instrument_id: InstrumentId) -> Instrument:
        if self._cfg.catalog_path:
            from engine.catalog import load_instrument

            return load_instrument(self._cfg.catalog_path, str(instrument_id))
        assert self._session is not None
        url = f"{self._cfg.base_url_http}/api/v3/exchangeInfo"
        async with self._session.get(url, params={"symbol": instrument_id.symbol.value}) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                raise LineageError(f"{url}?symbol={instrument_id.symbol}: HTTP {resp.status} {body}")
        return currency_pair_from_exchange_info(
            body, instrument_id, self._cfg.maker_fee, self._cfg.taker_fee, self._clock.timestamp_ns()
        )

    def _stream_url(self) -> str:
        return f"{self._cfg.base_url_ws}/stream?streams={'/'.join(sorted(self._streams))}"

    async def _run(self) -> None:
        """Keep the socket open: connect, read until it drops, back off, reconnect, report the gap."""
        assert self._session is not None
        delay, attempts, dropped_at, reason = self._cfg.reconnect_initial_delay, 0, None, ""
        while not self._closing:
            try:
                ws = await self._session.ws_connect(
                    self._stream_url(),
                    autoping=True,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0),
                )
            except (aiohttp.ClientError, OSError) as exc:
                attempts += 1
                self._log.warning(
                    f"Feed connect attempt {attempts} failed ({exc!r}); retrying in {delay:.2f}s"
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._cfg.reconnect_max_delay)
                continue
            self._ws = ws
            if dropped_at is not None:
                self._report_gap(dropped_at, attempts, reason)
            delay, attempts, dropped_at = self._cfg.reconnect_initial_delay, 0, None
            self._connected_once.set()
            self._log.info(f"Feed connected: {len(self._streams)} stream(s)")
            try:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        self._on_text(msg.data)
                    elif msg.type == aiohttp.WSMsgType.ERROR:
                        break
                reason = f"closed by server (code {ws.close_code})"
            except (aiohttp.ClientError, OSError) as exc:
                reason = f"socket error {exc!r}"
            finally:
                self._ws = None
            if not self._closing:
                dropped_at = self._clock.timestamp_ns()
                self._log.warning(f"Feed dropped: {reason}; reconnecting")

    def _report_gap(self, dropped_at: int, attempts: int, reason: str) -> None:
        now = self._clock.timestamp_ns()
        gap = FeedGap(
            ts_event=now,
            ts_init=now,
            client_id=str(self.id),
            started_ns=dropped_at,
            ended_ns=now,
            last_event_ns=max(self._last_ts.values(), default=0),
            attempts=attempts,
            reason=reason,
        )
        self.gaps.append(gap)
        self._log.warning(
            f"Feed gap: down {(gap.ended_ns - gap.started_ns) / 1e9:.3f}s, {attempts} failed attempt(s)"
        )
        for listener in self._gap_listeners:
            listener(gap)

    async def _send(self, method: str, streams: list[str]) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.send_str(json.dumps({"method": method, "params": streams, "id": next(self._ids)}))

    # -- messages --------------------------------------------------------------------------------------

    def _on_text(self, text: str) -> None:
        self.received += 1
        self.last_message_ns = time.perf_counter_ns()  # latency probe: when this message came in
        try:
            self._dispatch(text)
        except wire.FeedMessageError as exc:
            self._reject(f"Rejected feed message: {exc}; message: {text[:200]!r}")
        except Exception as exc:  # a bad message must never stop the feed
            self._reject(f"Rejected feed message: unexpected {exc!r}; message: {text[:200]!r}")

    def _reject(self, line: str) -> None:
        self.rejected += 1
        self.rejections.append(line)
        self._log.error(line)

    def _dispatch(self, text: str) -> None:
        try:
            stream, payload = wire.split_envelope(text)
        except wire.FeedMessageError:
            with contextlib.suppress(msgspec.DecodeError):
                reply = msgspec.json.decode(text)
                if isinstance(reply, dict) and "id" in reply and "result" in reply:
                    return  # acknowledgement of SUBSCRIBE/UNSUBSCRIBE
            raise
        if stream not in self._streams:
            raise wire.FeedMessageError(f"stream {stream!r} is not subscribed")
        symbol, _, kind = stream.partition("@")
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise wire.FeedMessageError(f"stream {stream}: unknown symbol {symbol!r}")
        msg = wire.decode("kline" if kind.startswith("kline_") else kind, stream, payload)
        if msg.s.lower() != symbol:
            raise wire.FeedMessageError(f"stream {stream}: field 's' is {msg.s!r}; expected {symbol.upper()}")
        if isinstance(msg, wire.TradeMsg):
            data = wire.to_trade(msg, instrument, stream)
        elif isinstance(msg, wire.BookTickerMsg):
            data = wire.to_quote(msg, instrument, stream, self._clock.timestamp_ns())
        else:
            data = wire.to_bar(msg, self._bar_types[stream], instrument, stream)
            if data is None:
                return  # kline still open: only closed bars are published
        last = self._last_ts.get(stream)
        if last is not None and (data.ts_event < last or (isinstance(data, Bar) and data.ts_event == last)):
            raise wire.FeedMessageError(
                f"stream {stream}: out of order, ts_event {data.ts_event} is before the last accepted {last}"
            )
        self._last_ts[stream] = data.ts_event
        self._handle_data(data)

    # -- subscriptions ---------------------------------------------------------------------------------

    async def _add_stream(self, stream: str) -> None:
        if stream not in self._streams:
            self._streams.add(stream)
            await self._send("SUBSCRIBE", [stream])

    async def _remove_stream(self, stream: str) -> None:
        if stream in self._streams:
            self._streams.discard(stream)
            await self._send("UNSUBSCRIBE", [stream])

    async def _subscribe_instrument(self, command: SubscribeInstrument) -> None:
        pass  # instruments are published once on connect

    async def _subscribe_trade_ticks(self, command: SubscribeTradeTicks) -> None:
        await self._add_stream(f"{command.instrument_id.symbol.value.lower()}@trade")

    async def _subscribe_quote_ticks(self, command: SubscribeQuoteTicks) -> None:
        await self._add_stream(f"{command.instrument_id.symbol.value.lower()}@bookTicker")

    async def _subscribe_bars(self, command: SubscribeBars) -> None:
        bar_type = command.bar_type
        if (
            bar_type.aggregation_source != AggregationSource.EXTERNAL
            or bar_type.spec.price_type != PriceType.LAST
        ):
            self._log.error(f"Cannot subscribe {bar_type}: klines are EXTERNAL bars of LAST prices")
            return
        stream = f"{bar_type.instrument_id.symbol.value.lower()}@kline_{wire.interval_of(bar_type)}"
        self._bar_types[stream] = bar_type
        await self._add_stream(stream)

    async def _unsubscribe_trade_ticks(self, command: UnsubscribeTradeTicks) -> None:
        await self._remove_stream(f"{command.instrument_id.symbol.value.lower()}@trade")

    async def _unsubscribe_quote_ticks(self, command: UnsubscribeQuoteTicks) -> None:
        await self._remove_stream(f"{command.instrument_id.symbol.value.lower()}@bookTicker")

    async def _unsubscribe_bars(self, command: UnsubscribeBars) -> None:
        bar_type = command.bar_type
        await self._remove_stream(
            f"{bar_type.instrument_id.symbol.value.lower()}@kline_{wire.interval_of(bar_type)}"
        )

    async def _request_bars(self, request: RequestBars) -> None:
        bar_type = request.bar_type
        instrument = self._instruments.get(bar_type.instrument_id.symbol.value.lower())
        bars: list[Bar] = []
        if instrument is not None and self._session is not None:
            params = {
                "symbol": instrument.raw_symbol.value,
                "interval": wire.interval_of(bar_type),
                "limit": "1000",
            }
            if request.start is not None:
                params["startTime"] = str(int(request.start.timestamp() * 1000))
            if request.end is not None:
                params["endTime"] = str(int(request.end.timestamp() * 1000))
            async with self._session.get(f"{self._cfg.base_url_http}/api/v3/klines", params=params) as resp:
                rows = await resp.json(content_type=None) if resp.status == 200 else []
            now_ms = self._clock.timestamp_ns() // wire.MS
            step = wire.interval_ms(bar_type)
            for row in rows:
                if row[0] + step > now_ms:
                    continue  # still open
                kline = wire.KlineMsg(s=instrument.raw_symbol.value, k=wire.Kline(
                    t=row[0], T=row[6], s=instrument.raw_symbol.value, i=wire.interval_of(bar_type),
                    o=row[1], c=row[4], h=row[2], l=row[3], v=row[5], x=True))  # fmt: skip
                bar = wire.to_bar(kline, bar_type, instrument, "klines")
                if bar is not None:
                    bars.append(bar)
        self._handle_bars(bar_type, bars, request.id, request.start, request.end, request.params)


class LiveMarketDataClientFactory(LiveDataClientFactory):
    """Creates ``LiveMarketDataClient`` instances for a ``TradingNode``."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: LiveMarketDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> LiveMarketDataClient:
        """Build the client named ``name`` from ``config``."""
        return LiveMarketDataClient(loop, msgbus, cache, clock, config, name=name)
