"""Paper trading: our keyless market-data client, and sessions on TradingNode + Sandbox execution."""

from engine.paper.data_client import (
    FeedGap,
    LiveMarketDataClient,
    LiveMarketDataClientConfig,
    LiveMarketDataClientFactory,
)
from engine.paper.session import PaperResult, PaperSessionConfig, build_node, run_paper_session

__all__ = [
    "FeedGap",
    "LiveMarketDataClient",
    "LiveMarketDataClientConfig",
    "LiveMarketDataClientFactory",
    "PaperResult",
    "PaperSessionConfig",
    "build_node",
    "run_paper_session",
]
