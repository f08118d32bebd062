"""The simulator over real loopback sockets: REST bodies, stream order, pacing, subscriptions."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from engine.exchange_sim import ExchangeSimulator


def _get(url: str) -> tuple[int, object]:
    async def go():
        async with aiohttp.ClientSession() as s, s.get(url) as r:
            return r.status, await r.json()

    return asyncio.run(go())


def _collect(url: str, count: int, send: list[dict] | None = None, timeout: float = 20) -> list[dict]:
    async def go():
        out = []
        async with aiohttp.ClientSession() as s, s.ws_connect(url) as ws:
            for request in send or []:
                await ws.send_str(json.dumps(request))
            while len(out) < count:
                msg = await asyncio.wait_for(ws.receive(), timeout)
                out.append(json.loads(msg.data))
        return out

    return asyncio.run(go())


def test_rest_endpoints_serve_exchange_info_time_and_only_closed_klines(btc_data):
    with ExchangeSimulator(btc_data, speed=0, start_delay=0) as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert _get(f"{sim.base_url}/api/v3/ping") == (200, {})
        status, info = _get(f"{sim.base_url}/api/v3/exchangeInfo?symbol=BTCUSDT")
        assert status == 200
        (entry,) = info["symbols"]
        filters = {f["filterType"]: f for f in entry["filters"]}
        assert (entry["baseAsset"], entry["quoteAsset"]) == ("BTC", "USDT")
        assert (
            filters["PRICE_FILTER"]["tickSize"] == "0.01" and filters["LOT_SIZE"]["stepSize"] == "0.00000001"
        )
        status, err = _get(f"{sim.base_url}/api/v3/exchangeInfo?symbol=ETHUSDT")
        assert status == 400 and err["code"] == -1121
        # before replay starts, no 1s bar has closed: the simulator never serves the future
        assert _get(f"{sim.base_url}/api/v3/klines?symbol=BTCUSDT&interval=1s")[1] == []
        assert _get(f"{sim.base_url}/api/v3/time")[1]["serverTime"] == int(btc_data.trades.ts_ms.iloc[0])
        _collect(f"{sim.base_url}/stream?streams=btcusdt@kline_1s", 46)  # replay to the end
        status, rows = _get(f"{sim.base_url}/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=10")
        assert status == 200 and len(rows) == 10
        assert all(r[6] + 1 <= sim.now_ms for r in rows) and rows == sorted(rows)


@pytest.mark.parametrize("speed", [25.0, 0.0])
def test_streams_every_recorded_trade_in_order_at_the_speed_multiple(btc_data, speed):
    trades = btc_data.trades
    span_s = (trades.ts_ms.iloc[-1] - trades.ts_ms.iloc[0]) / 1000
    with ExchangeSimulator(btc_data, speed=speed, start_delay=0) as sim:
        started = time.monotonic()
        got = _collect(f"{sim.base_url.replace('http', 'ws')}/stream?streams=btcusdt@trade", len(trades))
        elapsed = time.monotonic() - started
    assert all(m["stream"] == "btcusdt@trade" for m in got)
    assert [m["data"]["T"] for m in got] == trades.ts_ms.tolist()
    assert [m["data"]["t"] for m in got] == trades.trade_id.tolist()
    assert [float(m["data"]["p"]) for m in got] == trades.price.tolist()
    if speed:
        assert span_s / speed * 0.9 <= elapsed <= span_s / speed + 3
    else:
        assert elapsed < span_s / 25  # as fast as possible: far quicker than real time


def test_raw_endpoint_and_subscribe_request_merge_streams_in_time_order(btc_data):
    with ExchangeSimulator(btc_data, speed=0, start_delay=0.3) as sim:
        url = f"{sim.base_url.replace('http', 'ws')}/ws"
        got = _collect(
            url,
            1 + 100,
            send=[{"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker", "btcusdt@trade"], "id": 7}],
        )
    assert got[0] == {"result": None, "id": 7}
    stamps = [m["T"] for m in got[1:]]
    assert stamps == sorted(stamps)
    assert {"u" in m for m in got[1:]} == {True, False}  # both quotes and trades, raw (no envelope)


def test_recorded_bar_files_stream_as_closed_klines_at_their_close(sources):
    from engine.exchange_sim import load_market_data

    data = load_market_data(sources, "XRPETH.BINANCE")
    bars = data.bars["1m"]
    with ExchangeSimulator(data, speed=0, start_delay=0) as sim:
        got = _collect(f"{sim.base_url}/stream?streams=xrpeth@kline_1m", 50)
    for message, bar in zip(got, bars.itertuples(index=False), strict=False):
        k = message["data"]["k"]
        assert k["x"] is True and k["t"] == bar.open_ms and message["data"]["E"] == bar.open_ms + 60_000
        ohlc = (float(k["o"]), float(k["h"]), float(k["l"]), float(k["c"]))
        assert ohlc == (bar.open, bar.high, bar.low, bar.close)
