"""NautilusTrader's example EMACross on the real ETH/BTC test bars (shared by the backtest tests)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader.examples.strategies.ema_cross import EMACross, EMACrossConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from tests.realdata import ETH_BTC_BAR_TYPE, ETH_BTC_ID


def ema_cross(**overrides: Any) -> EMACross:
    """EMACross trading 0.5 ETH on ``ETH_BTC_BAR_TYPE`` bars; ``overrides`` set other config fields."""
    fields: dict[str, Any] = {
        "instrument_id": InstrumentId.from_str(ETH_BTC_ID),
        "bar_type": BarType.from_str(ETH_BTC_BAR_TYPE),
        "trade_size": Decimal("0.5"),
    }
    return EMACross(EMACrossConfig(**{**fields, **overrides}))
