"""Build the traded instrument from a Binance ``exchangeInfo`` symbol entry (precisions from its filters)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_trader.model.currencies import Currency
from nautilus_trader.model.enums import CurrencyType
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Price, Quantity

from engine.errors import LineageError


def _currency(code: str) -> Currency:
    try:
        return Currency.from_str(code)
    except (ValueError, KeyError):
        currency = Currency(code, 8, 0, code, CurrencyType.CRYPTO)
        Currency.register(currency, overwrite=False)
        return currency


def _precision(step: str) -> int:
    exponent = Decimal(step).normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def currency_pair_from_exchange_info(
    info: dict[str, Any],
    instrument_id: InstrumentId,
    maker_fee: Decimal = Decimal("0.001"),
    taker_fee: Decimal = Decimal("0.001"),
    ts_ns: int = 0,
) -> CurrencyPair:
    """The ``CurrencyPair`` for ``instrument_id`` described in an ``exchangeInfo`` body.

    Price precision comes from ``PRICE_FILTER.tickSize``, size precision from ``LOT_SIZE.stepSize``.
    """
    symbol = instrument_id.symbol.value
    entries = [s for s in info.get("symbols", []) if s.get("symbol") == symbol]
    if not entries:
        listed = [s.get("symbol") for s in info.get("symbols", [])][:10]
        raise LineageError(f"exchangeInfo: symbol {symbol!r} not listed (found {listed})")
    entry = entries[0]
    filters = {f.get("filterType"): f for f in entry.get("filters", [])}
    try:
        tick, step = filters["PRICE_FILTER"]["tickSize"], filters["LOT_SIZE"]["stepSize"]
        base, quote = entry["baseAsset"], entry["quoteAsset"]
    except KeyError as exc:
        raise LineageError(
            f"exchangeInfo: symbol {symbol!r} lacks {exc}; expected PRICE_FILTER, LOT_SIZE, assets"
        ) from None
    price_precision, size_precision = _precision(tick), _precision(step)
    lot = filters["LOT_SIZE"]
    return CurrencyPair(
        instrument_id=instrument_id,
        raw_symbol=Symbol(symbol),
        base_currency=_currency(base),
        quote_currency=_currency(quote),
        price_precision=price_precision,
        size_precision=size_precision,
        price_increment=Price(Decimal(tick), price_precision),
        size_increment=Quantity(Decimal(step), size_precision),
        lot_size=None,
        max_quantity=Quantity(Decimal(lot.get("maxQty", "9000000")), size_precision),
        min_quantity=Quantity(Decimal(lot.get("minQty", step)), size_precision),
        max_notional=None,
        min_notional=None,
        max_price=None,
        min_price=None,
        margin_init=Decimal(0),
        margin_maint=Decimal(0),
        maker_fee=maker_fee,
        taker_fee=taker_fee,
        ts_event=ts_ns,
        ts_init=ts_ns,
    )
