"""Local Binance-spot-compatible exchange simulator that replays recorded market data."""

from engine.exchange_sim.server import ExchangeSimulator
from engine.exchange_sim.sources import MarketData, load_market_data
from engine.exchange_sim.timeline import StreamEvent, bars_from_trades, build_timeline

__all__ = [
    "ExchangeSimulator",
    "MarketData",
    "StreamEvent",
    "bars_from_trades",
    "build_timeline",
    "load_market_data",
]
