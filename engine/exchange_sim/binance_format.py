"""Binance-spot JSON shapes the simulator serves (REST bodies and WebSocket stream payloads)."""

from __future__ import annotations

from typing import Any

from engine.exchange_sim.sources import INTERVAL_MS, MarketData


def fmt(value: float, precision: int) -> str:
    """Format a number as Binance does: a fixed-point decimal string."""
    return f"{value:.{precision}f}"


def exchange_info(data: MarketData, server_time_ms: int) -> dict[str, Any]:
    """``GET /api/v3/exchangeInfo`` body listing the one served symbol."""
    tick = fmt(10.0**-data.price_precision, data.price_precision)
    step = fmt(10.0**-data.size_precision, data.size_precision)
    return {
        "timezone": "UTC",
        "serverTime": server_time_ms,
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": [
            {
                "symbol": data.symbol,
                "status": "TRADING",
                "baseAsset": data.base,
                "baseAssetPrecision": 8,
                "quoteAsset": data.quote,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
                "icebergAllowed": True,
                "ocoAllowed": True,
                "quoteOrderQtyMarketAllowed": True,
                "allowTrailingStop": False,
                "cancelReplaceAllowed": False,
                "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": tick,
                        "maxPrice": "1000000.00",
                        "tickSize": tick,
                    },
                    {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000000.00", "stepSize": step},
                ],
                "permissions": ["SPOT"],
                "defaultSelfTradePreventionMode": "NONE",
                "allowedSelfTradePreventionModes": ["NONE"],
            }
        ],
    }


def trade(data: MarketData, row: Any) -> dict[str, Any]:
    """``<symbol>@trade`` payload from a trades row (ts_ms, trade_id, price, qty, buyer_maker)."""
    return {
        "e": "trade",
        "E": int(row.ts_ms),
        "s": data.symbol,
        "t": int(row.trade_id),
        "p": fmt(row.price, data.price_precision),
        "q": fmt(row.qty, data.size_precision),
        "T": int(row.ts_ms),
        "m": bool(row.buyer_maker),
        "M": True,
    }


def book_ticker(data: MarketData, row: Any, update_id: int) -> dict[str, Any]:
    """``<symbol>@bookTicker`` payload. Spot Binance sends no time; the simulator adds ``T`` (ms)."""
    return {
        "u": update_id,
        "s": data.symbol,
        "b": fmt(row.bid, data.price_precision),
        "B": fmt(row.bid_size, data.size_precision),
        "a": fmt(row.ask, data.price_precision),
        "A": fmt(row.ask_size, data.size_precision),
        "T": int(row.ts_ms),
    }


def _field(row: Any, name: str, default: int) -> Any:
    """A named-tuple row's column, or ``default`` (``row.count`` would be tuple.count otherwise)."""
    return getattr(row, name) if name in getattr(row, "_fields", ()) else default


def kline(data: MarketData, interval: str, bar: Any, event_ms: int, closed: bool = True) -> dict[str, Any]:
    """``<symbol>@kline_<interval>`` payload for one bar row (open_ms, open, high, low, close, volume)."""
    open_ms = int(bar.open_ms)
    p, s = data.price_precision, data.size_precision
    return {
        "e": "kline",
        "E": event_ms,
        "s": data.symbol,
        "k": {
            "t": open_ms,
            "T": open_ms + INTERVAL_MS[interval] - 1,
            "s": data.symbol,
            "i": interval,
            "f": int(_field(bar, "first_id", -1)),
            "L": int(_field(bar, "last_id", -1)),
            "o": fmt(bar.open, p),
            "c": fmt(bar.close, p),
            "h": fmt(bar.high, p),
            "l": fmt(bar.low, p),
            "v": fmt(bar.volume, s),
            "n": int(_field(bar, "count", 0)),
            "x": closed,
            "q": fmt(bar.volume * bar.close, p),
            "V": fmt(0.0, s),
            "Q": fmt(0.0, p),
            "B": "0",
        },
    }


def kline_rest_row(data: MarketData, interval: str, bar: Any) -> list[Any]:
    """One row of ``GET /api/v3/klines``."""
    k = kline(data, interval, bar, 0)["k"]
    return [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"], "0"]


def error(code: int, msg: str) -> dict[str, Any]:
    """Binance error body."""
    return {"code": code, "msg": msg}
