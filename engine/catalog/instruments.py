"""Choose and build the NautilusTrader instrument for an imported dataset.

Rules, first match wins (``text`` is the symbol as written in the file name or instrument id):

* ``PERP`` in the text -> ``CryptoPerpetual`` (base before ``PERP``, quoted and settled in USD), MARGIN;
* the file sits in a ``futures`` folder or its name says ``futures`` -> ``FuturesContract`` in USD
  (active from a day before the data to a year after it, so backtests never hit expiry), MARGIN;
* the file sits in an ``equities``/``stocks`` folder -> ``Equity`` in USD, CASH;
* base/quote derivable (a ``symbol`` column such as ``BTC/USDT``, a ``_``/``/`` separator, or a known
  quote suffix) -> ``CurrencyPair``; MARGIN when both are fiat (FX), else CASH (crypto spot);
* otherwise ``Equity`` in USD, CASH.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from nautilus_trader.model.enums import AssetClass
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import (
    CryptoPerpetual,
    CurrencyPair,
    Equity,
    FuturesContract,
    Instrument,
)
from nautilus_trader.model.objects import Currency, Price, Quantity

FIAT = frozenset(
    "USD EUR GBP JPY CHF AUD CAD NZD SEK NOK DKK HKD SGD CNH MXN ZAR TRY PLN HUF CZK".split()  # noqa: SIM905
)
QUOTE_SUFFIXES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "BTC", "ETH", "BNB", *sorted(FIAT))
_DAY_NS = 86_400_000_000_000
_YEAR_NS = 365 * _DAY_NS


@dataclass(frozen=True)
class InstrumentSpec:
    """What the importer decided about an instrument (stored in the dataset metadata)."""

    instrument_class: str
    base: str | None
    quote: str
    account_type: str  # "CASH" or "MARGIN"


def split_pair(text: str, symbol_hint: str | None = None) -> tuple[str, str] | None:
    """Base and quote of a pair written ``ETH_BTC``, ``ETH/BTC``, ``ETH-BTC`` or ``ETHBTC``."""
    for candidate in (symbol_hint, text):
        if candidate:
            parts = [p for p in re.split(r"[_/\-]", candidate.upper()) if p]
            if len(parts) == 2 and all(p.isalnum() for p in parts):
                return parts[0], parts[1]
    plain = re.sub(r"[_/\-]", "", text.upper())
    for quote in QUOTE_SUFFIXES:
        if plain.endswith(quote) and len(plain) > len(quote) and plain[: -len(quote)].isalnum():
            return plain[: -len(quote)], quote
    return None


def classify(text: str, path: Path, symbol_hint: str | None = None) -> InstrumentSpec:
    """Apply the module's rules to a symbol text and source path."""
    upper = text.upper()
    folders = {p.lower() for p in path.parent.parts}
    words = {w.lower() for w in re.split(r"[-_.]", path.name)}
    if "PERP" in upper:
        base = re.sub(r"[_/\-]", "", upper.split("PERP")[0]) or upper
        return InstrumentSpec("CryptoPerpetual", base, "USD", "MARGIN")
    if folders & {"futures", "future"} or words & {"futures", "future"}:
        return InstrumentSpec("FuturesContract", None, "USD", "MARGIN")
    if folders & {"equities", "equity", "stocks"}:
        return InstrumentSpec("Equity", None, "USD", "CASH")
    pair = split_pair(text, symbol_hint)
    if pair:
        base, quote = pair
        fx = base in FIAT and quote in FIAT
        return InstrumentSpec("CurrencyPair", base, quote, "MARGIN" if fx else "CASH")
    return InstrumentSpec("Equity", None, "USD", "CASH")


def build_instrument(
    spec: InstrumentSpec,
    instrument_id: str,
    price_precision: int,
    size_precision: int,
    first_ts: int,
    last_ts: int,
) -> Instrument:
    """Build the instrument ``spec`` describes with increments of ``10**-precision``."""
    iid = InstrumentId.from_str(instrument_id)
    tick = Price(10.0**-price_precision, price_precision)
    lot = Quantity(10.0**-size_precision, size_precision)
    quote = Currency.from_str(spec.quote)
    if spec.instrument_class == "CurrencyPair":
        base = Currency.from_str(spec.base or "")
        raw = Symbol(f"{spec.base}/{spec.quote}")
        return CurrencyPair(iid, raw, base, quote, price_precision, size_precision, tick, lot, 0, 0)
    if spec.instrument_class == "CryptoPerpetual":
        base = Currency.from_str(spec.base or "")
        return CryptoPerpetual(
            iid,
            Symbol(iid.symbol.value),
            base,
            quote,
            quote,
            False,
            price_precision,
            size_precision,
            tick,
            lot,
            0,
            0,
            margin_init=Decimal("0.05"),
            margin_maint=Decimal("0.03"),
        )
    if spec.instrument_class == "FuturesContract":
        return FuturesContract(
            iid,
            Symbol(iid.symbol.value),
            AssetClass.INDEX,
            quote,
            price_precision,
            tick,
            Quantity.from_int(1),
            Quantity.from_int(1),
            iid.symbol.value,
            max(first_ts - _DAY_NS, 0),
            last_ts + _YEAR_NS,
            0,
            0,
            margin_init=Decimal("0.1"),
            margin_maint=Decimal("0.05"),
        )
    return Equity(iid, Symbol(iid.symbol.value), quote, price_precision, tick, Quantity.from_int(1), 0, 0)


def required_precision(instrument: Instrument) -> tuple[int, int]:
    """(price, size) precision of an existing instrument."""
    return instrument.price_precision, instrument.size_precision
