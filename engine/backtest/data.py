"""Loading a backtest's inputs from the catalog: instrument (fee overrides applied), bars, digests."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money

from engine.backtest.config import BacktestConfig
from engine.backtest.execution import default_account_type
from engine.catalog import dataset_info, load_bars, load_instrument
from engine.errors import LineageError
from engine.recording.manifest import bars_digest


@dataclass(frozen=True)
class BacktestData:
    """Everything the engine consumes, with the digests the manifest records."""

    instrument: Instrument
    bars: list[Bar]
    bar_type: str
    dataset_digest: str
    bars_digest: str
    evaluation_start: int = 0
    """Index of the first bar that counts for metrics (bars before it are warm-up history)."""
    account_type: str = "CASH"
    """``CASH`` or ``MARGIN``, as the catalog recorded for the dataset."""


def with_fees(instrument: Instrument, maker: str | None, taker: str | None) -> Instrument:
    """The instrument with its maker/taker fee rates replaced (Decimal strings), if given."""
    if maker is None and taker is None:
        return instrument
    values = type(instrument).to_dict(instrument)
    for key, text in (("maker_fee", maker), ("taker_fee", taker)):
        if text is not None:
            try:
                values[key] = str(Decimal(text))
            except InvalidOperation:
                raise LineageError(
                    f"fee override {key}={text!r}: expected a decimal rate such as 0.001"
                ) from None
    return type(instrument).from_dict(values)


def load_data(config: BacktestConfig) -> BacktestData:
    """Read the instrument and the bars (``start``..``end`` on bar close) from the catalog."""
    info = dataset_info(config.catalog, config.instrument_id, "bars", config.bar)
    instrument = with_fees(
        load_instrument(config.catalog, config.instrument_id), config.maker_fee, config.taker_fee
    )
    if config.warmup_bars < 0:
        raise LineageError(f"warmup_bars={config.warmup_bars}: expected a count of bars >= 0")
    history_start = None if config.warmup_bars else config.start
    bars = load_bars(config.catalog, config.instrument_id, config.bar, history_start, config.end)
    first = 0
    if config.warmup_bars and config.start is not None:
        start_ns = pd.Timestamp(config.start).tz_localize("UTC").value if pd.Timestamp(
            config.start
        ).tzinfo is None else pd.Timestamp(config.start).value
        first = bisect_left([b.ts_init for b in bars], start_ns)
        bars = bars[max(first - config.warmup_bars, 0) :]
        first = min(first, config.warmup_bars)
    if first >= len(bars):
        bars = []
    if not bars:
        raise LineageError(
            f"{config.catalog}: no {config.bar} bars for {config.instrument_id} between "
            f"{config.start or 'the start'} and {config.end or 'the end'}"
        )
    account = info.get("account_type") or default_account_type(instrument)
    return BacktestData(
        instrument, bars, info["bar_type"], info["digest"], bars_digest(bars), first, account
    )


def starting_balances(config: BacktestConfig, instrument: Instrument) -> list[Money]:
    """Money balances from the config, or 10 units of the instrument's quote currency."""
    if not config.balances:
        return [Money(10, instrument.quote_currency)]
    out = []
    for text in config.balances:
        try:
            out.append(Money.from_str(text))
        except (ValueError, TypeError):
            raise LineageError(
                f"starting balance {text!r}: expected an amount and currency, e.g. '10 BTC'"
            ) from None
    return out


def instrument_summary(instrument: Instrument) -> dict[str, Any]:
    """The instrument facts that shape fills, fees, PnL and margins (for the manifest)."""
    return {
        "id": instrument.id.value,
        "class": type(instrument).__name__,
        "base_currency": instrument.base_currency.code if instrument.base_currency else None,
        "quote_currency": instrument.quote_currency.code,
        "price_precision": instrument.price_precision,
        "size_precision": instrument.size_precision,
        "maker_fee": str(instrument.maker_fee),
        "taker_fee": str(instrument.taker_fee),
        "margin_init": str(instrument.margin_init),
        "margin_maint": str(instrument.margin_maint),
        "multiplier": str(instrument.multiplier),
        "is_inverse": bool(instrument.is_inverse),
        "settlement_currency": instrument.get_cost_currency().code,
    }
