"""A Binance-spot-compatible exchange simulator replaying recorded data on 127.0.0.1.

REST: ``/api/v3/ping``, ``/api/v3/time``, ``/api/v3/exchangeInfo``, ``/api/v3/klines``.
WebSocket: ``/ws/<stream>`` (raw payloads), ``/stream?streams=a/b`` (combined ``{"stream","data"}``),
and ``SUBSCRIBE``/``UNSUBSCRIBE`` requests on either. Streams: ``<symbol>@trade``,
``<symbol>@bookTicker``, ``<symbol>@kline_<interval>``.

Replay follows one shared market clock: it starts ``start_delay`` seconds after the first subscription
(so a client can subscribe to all its streams) and sends each message when
``(ts - first_ts) / speed`` seconds have passed (``speed`` 0 or ``inf``: as fast as possible, in order).
A client that connects later receives the market from where it is, as on a real exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from aiohttp import WSMsgType, web

from engine.errors import LineageError
from engine.exchange_sim import binance_format as fmt
from engine.exchange_sim.sources import INTERVAL_MS, MarketData, load_market_data
from engine.exchange_sim.timeline import DEFAULT_DERIVED_INTERVALS, StreamEvent, bar_sets, build_timeline

HOST = "127.0.0.1"


@dataclass(eq=False)
class _Subscriber:
    ws: web.WebSocketResponse
    combined: bool
    streams: set[str] = field(default_factory=set)
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)


class ExchangeSimulator:
    """Serve one symbol's recorded market data; ``start()`` in a background thread, ``stop()`` to end.

    Args:
        source: a source folder or catalog path, or already-loaded ``MarketData``.
        instrument_id: ``SYMBOL.VENUE`` (needed when ``source`` is a path).
        port: TCP port on 127.0.0.1; 0 picks a free one (read ``base_url`` after ``start()``).
        speed: replay speed multiple of recorded time; 0 or ``math.inf`` means as fast as possible.
        start_ms / end_ms: replay only messages with ``start_ms <= ts <= end_ms`` (recorded ms).
        start_delay: seconds between the first subscription and the first message.
        kline_intervals: intervals to aggregate from trades when no bar file exists for them.
    """

    def __init__(
        self,
        source: str | Path | MarketData,
        instrument_id: str | None = None,
        *,
        port: int = 0,
        speed: float = 1.0,
        start_ms: int | None = None,
        end_ms: int | None = None,
        start_delay: float = 0.25,
        kline_intervals: tuple[str, ...] = DEFAULT_DERIVED_INTERVALS,
    ) -> None:
        if isinstance(source, MarketData):
            self.data = source
        else:
            if instrument_id is None:
                raise LineageError("ExchangeSimulator: instrument_id is required with a source path")
            self.data = load_market_data(source, instrument_id)
        if speed < 0 or math.isnan(speed):
            raise LineageError(f"exchange simulator: speed {speed} is invalid; expected 0, inf or > 0")
        self.speed = math.inf if speed == 0 else speed
        self.start_delay = start_delay
        self._requested_port = port
        self._bars = bar_sets(self.data, kline_intervals)
        lo = -math.inf if start_ms is None else start_ms
        hi = math.inf if end_ms is None else end_ms
        self.timeline: list[StreamEvent] = [
            e for e in build_timeline(self.data, self._bars) if lo <= e.ts_ms <= hi
        ]
        self.now_ms: int = self.timeline[0].ts_ms if self.timeline else self.data.span_ms()[0]
        self.sent = 0
        self._subscribers: set[_Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._replay_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._port: int | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started (the WebSocket base is the same with ``ws://``)."""
        if self._port is None:
            raise LineageError("exchange simulator is not started")
        return f"http://{HOST}:{self._port}"

    @property
    def port(self) -> int:
        """The bound TCP port (after ``start()``)."""
        if self._port is None:
            raise LineageError("exchange simulator is not started")
        return self._port

    def start(self, timeout: float = 10.0) -> ExchangeSimulator:
        """Start serving in a daemon thread; returns once the socket is bound."""
        if self._thread is not None:
            raise LineageError("exchange simulator already started")
        self._thread = threading.Thread(target=self._run_thread, name="exchange-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise LineageError(f"exchange simulator did not start within {timeout}s")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise LineageError(
                f"exchange simulator could not listen on {HOST}:{self._requested_port}: {self._error}"
            )
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every socket, stop the server thread and wait for it."""
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> ExchangeSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, text: str) -> None:
        """Send ``text`` verbatim to every connected client (fault injection for tests)."""
        if self._loop is None:
            raise LineageError("exchange simulator is not started")

        def put() -> None:
            for sub in list(self._subscribers):
                sub.queue.put_nowait(text)

        self._loop.call_soon_threadsafe(put)

    def _run_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v3/ping", self._ping)
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        app.router.add_get("/api/v3/klines", self._klines)
        app.router.add_get("/ws", self._ws_raw)
        app.router.add_get("/ws/{streams:.*}", self._ws_raw)
        app.router.add_get("/stream", self._ws_combined)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self._requested_port, reuse_address=True)
        await site.start()
        self._site = site
        server = site._server  # aiohttp exposes no public accessor for the bound port
        assert server is not None and server.sockets
        self._port = server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._site is not None:
            await self._site.stop()  # stop accepting first, so clients cannot reconnect to a dying server
        if self._replay_task is not None:
            self._replay_task.cancel()
        for sub in list(self._subscribers):
            sub.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await sub.ws.close(code=1001, message=b"simulator stopping")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(
            *self._tasks, *([self._replay_task] if self._replay_task else []), return_exceptions=True
        )
        if self._runner is not None:
            await self._runner.cleanup()

    # -- REST -----------------------------------------------------------------------------------------

    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": self.now_ms})

    def _check_symbol(self, request: web.Request) -> web.Response | None:
        symbol = request.query.get("symbol")
        symbols = request.query.get("symbols")
        wanted = [symbol] if symbol else json.loads(symbols) if symbols else []
        if any(s.upper() != self.data.symbol for s in wanted):
            return web.json_response(fmt.error(-1121, "Invalid symbol."), status=400)
        return None

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return self._check_symbol(request) or web.json_response(fmt.exchange_info(self.data, self.now_ms))

    async def _klines(self, request: web.Request) -> web.Response:
        if "symbol" not in request.query:
            return web.json_response(
                fmt.error(-1102, "Mandatory parameter 'symbol' was not sent."), status=400
            )
        bad = self._check_symbol(request)
        if bad is not None:
            return bad
        interval = request.query.get("interval", "")
        if interval not in self._bars:
            return web.json_response(fmt.error(-1120, f"Invalid interval {interval!r}."), status=400)
        try:
            start = int(request.query.get("startTime", 0))
            end = int(request.query.get("endTime", 2**62))
            limit = min(int(request.query.get("limit", 500)), 1000)
        except ValueError:
            return web.json_response(fmt.error(-1100, "Illegal characters found in a parameter."), status=400)
        bars: pd.DataFrame = self._bars[interval]
        step = INTERVAL_MS[interval]
        # only bars already closed on the replay clock: the simulator never serves the future
        closed = bars[
            (bars["open_ms"] + step <= self.now_ms) & (bars["open_ms"] >= start) & (bars["open_ms"] <= end)
        ]
        rows = [
            fmt.kline_rest_row(self.data, interval, bar) for bar in closed.tail(limit).itertuples(index=False)
        ]
        return web.json_response(rows)

    # -- WebSocket ------------------------------------------------------------------------------------

    async def _ws_raw(self, request: web.Request) -> web.WebSocketResponse:
        streams = [s for s in request.match_info.get("streams", "").split("/") if s]
        return await self._ws(request, streams, combined=False)

    async def _ws_combined(self, request: web.Request) -> web.WebSocketResponse:
        streams = [s for s in request.query.get("streams", "").split("/") if s]
        return await self._ws(request, streams, combined=True)

    async def _ws(self, request: web.Request, streams: list[str], combined: bool) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        sub = _Subscriber(ws, combined)
        self._subscribers.add(sub)
        writer = asyncio.get_running_loop().create_task(self._write(sub))
        self._tasks.add(writer)
        writer.add_done_callback(self._tasks.discard)
        self._subscribe(sub, streams)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_request(sub, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._subscribers.discard(sub)
            sub.queue.put_nowait(None)
        return ws

    def _on_request(self, sub: _Subscriber, text: str) -> None:
        try:
            request = json.loads(text)
            method, params, rid = request["method"], request.get("params", []), request.get("id")
        except (ValueError, KeyError, TypeError):
            sub.queue.put_nowait(json.dumps(fmt.error(2, "Invalid request")))
            return
        if method == "SUBSCRIBE":
            self._subscribe(sub, params)
        elif method == "UNSUBSCRIBE":
            sub.streams.difference_update(params)
        elif method == "LIST_SUBSCRIPTIONS":
            sub.queue.put_nowait(json.dumps({"result": sorted(sub.streams), "id": rid}))
            return
        sub.queue.put_nowait(json.dumps({"result": None, "id": rid}))

    def _subscribe(self, sub: _Subscriber, streams: list[str]) -> None:
        sub.streams.update(streams)
        if streams and self._replay_task is None:
            self._replay_task = asyncio.get_running_loop().create_task(self._replay())

    async def _write(self, sub: _Subscriber) -> None:
        while True:
            text = await sub.queue.get()
            if text is None or sub.ws.closed:
                return
            try:
                await sub.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _replay(self) -> None:
        await asyncio.sleep(self.start_delay)
        loop = asyncio.get_running_loop()
        if not self.timeline:
            return
        t0_wall, t0_mkt = loop.time(), self.timeline[0].ts_ms
        for i, event in enumerate(self.timeline):
            if math.isfinite(self.speed):
                delay = t0_wall + (event.ts_ms - t0_mkt) / 1000.0 / self.speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % 64 == 0:
                await asyncio.sleep(0)
            self.now_ms = event.ts_ms
            for sub in list(self._subscribers):
                if event.stream in sub.streams:
                    text = (
                        f'{{"stream":"{event.stream}","data":{event.payload}}}'
                        if sub.combined
                        else event.payload
                    )
                    sub.queue.put_nowait(text)
            self.sent += 1
