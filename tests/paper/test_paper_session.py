"""End to end on loopback: simulator -> our data client -> TradingNode + Sandbox -> strategy fills."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

from engine.eventlog import read_log, verify_log
from engine.exchange_sim import ExchangeSimulator
from engine.paper import PaperSessionConfig, run_paper_session

BTC = "BTCUSDT.BINANCE"


def _recorded_prices(data) -> set[Decimal]:
    values = [*data.trades.price, *data.quotes.bid, *data.quotes.ask]
    return {Decimal(f"{v:.2f}") for v in values}


def _config(tmp_path, url, **kw):
    params = kw.pop("params", {"hold": "30", "cycles": "2", "trade_size": "0.0002"})
    return PaperSessionConfig(strategy="round-trip", instrument_id=BTC, run_dir=tmp_path / "run",
                              params=params, exchange_url=url, **kw)  # fmt: skip


def test_strategy_trades_and_fills_at_recorded_prices(btc_data, tmp_path):
    with ExchangeSimulator(btc_data, speed=20) as sim:
        result = run_paper_session(_config(tmp_path, sim.base_url, duration=3.5))
    sides = {f["side"] for f in result.fills}
    assert sides == {"BUY", "SELL"}
    prices = _recorded_prices(btc_data)
    assert all(Decimal(f["price"]) in prices for f in result.fills), result.fills
    first, last = btc_data.span_ms()
    assert all(
        first * 10**6 <= f["ts_event"] <= last * 10**6 for f in result.fills
    )  # venue runs on feed time
    assert result.messages_rejected == 0 and result.gaps == [] and result.stopped_by == "duration"
    records = list(read_log(tmp_path / "run" / "log"))
    assert records[0].kind == "RunStarted" and records[-1].kind == "RunEnded"
    assert records[0].data["strategy"] == "round-trip"
    assert records[-1].data["fill_count"] == len(result.fills)
    kinds = [r.kind for r in records]
    assert kinds.count("OrderFilled") == len(result.fills)  # the recorder logged every fill once
    assert "AccountState" in kinds and "PositionOpened" in kinds
    assert verify_log(tmp_path / "run" / "log").error is None
    summary = json.loads((tmp_path / "run" / "session.json").read_text())
    assert summary["fill_count"] == len(result.fills)


def test_bad_feed_messages_are_rejected_and_the_node_keeps_trading(btc_data, tmp_path):
    bad = [
        "this is not json",
        '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT"}}',
        '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.00","q":"1","T":1,"m":true}}',
        '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"9","B":"1","a":"8","A":"1","T":1}}',
        '{"stream":"ethusdt@trade","data":{}}',
    ]
    with ExchangeSimulator(btc_data, speed=20) as sim:
        timer = threading.Timer(1.5, lambda: [sim.inject(text) for text in bad])
        timer.start()
        try:
            result = run_paper_session(_config(tmp_path, sim.base_url, duration=3.5))
        finally:
            timer.join()
    assert result.messages_rejected == len(bad)
    assert {f["side"] for f in result.fills} == {"BUY", "SELL"}  # still trading after the bad messages
    out = "\n".join(result.rejections)  # the exact error log lines
    assert "Rejected feed message: stream btcusdt@trade: out of order" in out
    assert "Rejected feed message: stream btcusdt@bookTicker: bid 9 above ask 8" in out
    assert "not a combined-stream message" in out


def test_feed_drop_reconnects_and_reports_a_gap(btc_data, tmp_path):
    first = ExchangeSimulator(btc_data, speed=10).start()
    port = first.port
    second: list[ExchangeSimulator] = []

    def bounce() -> None:
        resume_at = first.now_ms + 5_000  # the market moved on while the feed was down
        first.stop()
        threading.Event().wait(0.6)
        second.append(ExchangeSimulator(btc_data, port=port, speed=10, start_ms=resume_at).start())

    timer = threading.Timer(1.5, bounce)
    timer.start()
    try:
        result = run_paper_session(_config(tmp_path, first.base_url, duration=4.5, params={"hold": "400"}))
    finally:
        timer.join()
        first.stop()
        for sim in second:
            sim.stop()
    assert len(result.gaps) == 1
    gap = result.gaps[0]
    assert gap.ended_ns - gap.started_ns >= 0.5e9 and gap.attempts >= 1
    assert second and second[0].sent > 0 and result.messages_received > first.sent  # data after the reconnect
    records = list(read_log(tmp_path / "run" / "log"))
    (logged,) = [r.data for r in records if r.kind == "FeedGap"]  # published on the bus, recorded
    assert logged["started_ns"] == gap.started_ns and logged["reason"] == gap.reason
    assert {f["side"] for f in result.fills} >= {"BUY"}
