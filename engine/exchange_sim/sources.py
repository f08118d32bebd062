"""Load one instrument's recorded market data for the simulator.

Two layouts are read:

* a **source folder** (``catalogs/sources/crypto``): files named ``<SYMBOL>-trades*.parquet|feather``,
  ``<SYMBOL>-quotes*.parquet`` and ``<SYMBOL>-<interval>.feather`` (bar-open timestamps), where an
  underscore in the file's symbol separates base and quote (``XRP_ETH`` serves ``XRPETH``);
* a **catalog** made by ``lineage catalog import`` (a folder holding ``data/``), read through
  ``engine.catalog``: trades, quotes, every bar dataset, and the instrument's own precisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import DataValidationError, LineageError

KNOWN_QUOTES: tuple[str, ...] = ("USDT", "BUSD", "USDC", "FDUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "USD")
INTERVAL_MS: dict[str, int] = {
    "1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000,
}  # fmt: skip
TRADE_COLUMNS = ["ts_ms", "trade_id", "price", "qty", "buyer_maker"]
QUOTE_COLUMNS = ["ts_ms", "bid", "bid_size", "ask", "ask_size"]
BAR_COLUMNS = ["open_ms", "open", "high", "low", "close", "volume"]


@dataclass
class MarketData:
    """Recorded data of one symbol: frames sorted by time, with precisions inferred from the values."""

    symbol: str
    base: str
    quote: str
    trades: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRADE_COLUMNS))
    quotes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUOTE_COLUMNS))
    bars: dict[str, pd.DataFrame] = field(default_factory=dict)
    price_precision: int = 2
    size_precision: int = 0

    def span_ms(self) -> tuple[int, int]:
        """First and last recorded timestamp (ms) over every stream."""
        stamps = (
            [int(self.trades["ts_ms"].min()), int(self.trades["ts_ms"].max())] if len(self.trades) else []
        )
        if len(self.quotes):
            stamps += [int(self.quotes["ts_ms"].min()), int(self.quotes["ts_ms"].max())]
        for interval, bars in self.bars.items():
            if len(bars):
                stamps += [int(bars["open_ms"].min()), int(bars["open_ms"].max()) + INTERVAL_MS[interval]]
        if not stamps:
            raise LineageError(f"no recorded data for {self.symbol}")
        return min(stamps), max(stamps)


def split_symbol(symbol: str) -> tuple[str, str]:
    """Split a Binance symbol such as ``BTCUSDT`` into ``("BTC", "USDT")`` using known quote assets."""
    for quote in KNOWN_QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise LineageError(
        f"cannot split symbol {symbol!r} into base and quote; expected it to end in {KNOWN_QUOTES}"
    )


def decimals(values: np.ndarray, cap: int = 8) -> int:
    """Smallest number of decimals that writes every value exactly (at most ``cap``)."""
    best = 0
    for value in np.unique(np.asarray(values, dtype=float)):
        exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
        best = max(best, -int(exponent) if isinstance(exponent, int) else 0)
        if best >= cap:
            return cap
    return best


def load_market_data(path: str | Path, instrument_id: str) -> MarketData:
    """Load the recorded data of ``instrument_id`` (``SYMBOL.VENUE``) from a source folder or catalog."""
    root = Path(path)
    if not root.is_dir():
        raise LineageError(f"{root}: not a folder; expected a source folder or a NautilusTrader catalog")
    symbol = instrument_id.split(".")[0].replace("/", "").replace("_", "").upper()
    if (root / "data").is_dir():
        return _catalog_data(root, instrument_id)
    data = _source_folder(root, symbol)
    if not (len(data.trades) or len(data.quotes) or any(len(b) for b in data.bars.values())):
        raise LineageError(f"{root}: no trades, quotes or bars for {instrument_id}")
    prices = [data.trades["price"], data.quotes["bid"], data.quotes["ask"]]
    prices += [b[c] for b in data.bars.values() for c in ("open", "high", "low", "close")]
    sizes = [data.trades["qty"], data.quotes["bid_size"], data.quotes["ask_size"]]
    sizes += [b["volume"] for b in data.bars.values()]
    data.price_precision = decimals(np.concatenate([np.asarray(p, dtype=float) for p in prices]))
    data.size_precision = decimals(np.concatenate([np.asarray(s, dtype=float) for s in sizes]))
    return data


def _source_folder(root: Path, symbol: str) -> MarketData:
    data: MarketData | None = None
    for file in sorted(root.iterdir()):
        file_symbol, _, kind = file.stem.partition("-")
        if file_symbol.replace("_", "").upper() != symbol or file.suffix not in (".parquet", ".feather"):
            continue
        if data is None:
            if "_" in file_symbol:
                base, quote = file_symbol.upper().split("_", 1)
            else:
                base, quote = split_symbol(symbol)
            data = MarketData(symbol, base, quote)
        frame = pd.read_parquet(file) if file.suffix == ".parquet" else pd.read_feather(file)
        kind = kind.split("-")[0]
        if kind == "trades":
            data.trades = _trades(frame, file)
        elif kind == "quotes":
            data.quotes = _quotes(frame, file)
        elif kind in INTERVAL_MS:
            data.bars[kind] = _bars(frame, file)
    if data is None:
        raise LineageError(
            f"{root}: no file named {symbol}-trades*, {symbol}-quotes* or {symbol}-<interval>.*"
        )
    return data


def _ms(column: pd.Series, file: Path, name: str) -> np.ndarray:
    if pd.api.types.is_integer_dtype(column):
        return column.to_numpy(dtype=np.int64)
    if pd.api.types.is_datetime64_any_dtype(column):
        return (
            (column.dt.tz_localize(None) if column.dt.tz is None else column.dt.tz_convert(None))
            .to_numpy(dtype="datetime64[ms]")
            .astype(np.int64)
        )
    raise DataValidationError(
        f"{file}: column {name!r} has dtype {column.dtype}; expected datetimes or epoch ms"
    )


def _require(frame: pd.DataFrame, file: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{file}: missing column(s) {missing}; found {list(frame.columns)}")


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def _trades(frame: pd.DataFrame, file: Path) -> pd.DataFrame:
    if "buyer_maker" in frame.columns:  # Binance/Nautilus layout
        _require(frame, file, ["timestamp", "trade_id", "price", "quantity"])
        maker = frame["buyer_maker"].astype(str).str.lower() == "true"
        out = pd.DataFrame(
            {"trade_id": frame["trade_id"].astype(np.int64), "qty": frame["quantity"], "buyer_maker": maker}
        )
    else:  # freqtrade/ccxt layout: side is the taker's side
        _require(frame, file, ["timestamp", "id", "side", "price", "amount"])
        out = pd.DataFrame(
            {
                "trade_id": frame["id"].astype(np.int64),
                "qty": frame["amount"],
                "buyer_maker": frame["side"] == "sell",
            }
        )
    out.insert(0, "ts_ms", _ms(frame["timestamp"], file, "timestamp"))
    out.insert(2, "price", frame["price"].astype(float))
    return _sorted(out[TRADE_COLUMNS], "ts_ms")


def _quotes(frame: pd.DataFrame, file: Path) -> pd.DataFrame:
    _require(frame, file, ["timestamp", "bid", "bid_size", "ask", "ask_size"])
    out = frame[["bid", "bid_size", "ask", "ask_size"]].astype(float).copy()
    out.insert(0, "ts_ms", _ms(frame["timestamp"], file, "timestamp"))
    return _sorted(out[QUOTE_COLUMNS], "ts_ms")


def _bars(frame: pd.DataFrame, file: Path) -> pd.DataFrame:
    _require(frame, file, ["date", "open", "high", "low", "close", "volume"])
    out = frame[["open", "high", "low", "close", "volume"]].astype(float).copy()
    out.insert(0, "open_ms", _ms(frame["date"], file, "date"))
    return _sorted(out[BAR_COLUMNS], "open_ms")


_UNITS = {"SECOND": "s", "MINUTE": "m", "HOUR": "h", "DAY": "d"}


def _catalog_data(root: Path, instrument_id: str) -> MarketData:
    """One instrument's trades, quotes and bars from a ``lineage catalog import`` catalog.

    ``instrument_id`` may name another venue than the catalog's (``BTCUSDT.BINANCE`` serves the
    catalog's ``BTCUSDT.SIM``): the simulator speaks for one symbol, not a venue.
    """
    from engine.catalog import load_bars, load_instrument, open_catalog, read_datasets

    datasets = list(read_datasets(root).values())
    ids = {e["instrument_id"] for e in datasets}
    symbol = instrument_id.split(".")[0]
    chosen = (
        instrument_id
        if instrument_id in ids
        else next((i for i in sorted(ids) if i.split(".")[0] == symbol), None)
    )
    if chosen is None:
        raise LineageError(f"{root}: no dataset for {instrument_id} (catalog has {sorted(ids)})")
    instrument = load_instrument(root, chosen)
    base = getattr(instrument, "base_currency", None)
    base_code, quote_code = (str(base), str(instrument.quote_currency)) if base else split_symbol(symbol)
    catalog = open_catalog(root)
    ticks = [t for t in catalog.trade_ticks(instrument_ids=[chosen]) if str(t.instrument_id) == chosen]
    quotes = [q for q in catalog.quote_ticks(instrument_ids=[chosen]) if str(q.instrument_id) == chosen]
    trades = pd.DataFrame(
        {
            "ts_ms": [t.ts_event // 1_000_000 for t in ticks],
            "trade_id": [
                int(str(t.trade_id)) if str(t.trade_id).isdigit() else i for i, t in enumerate(ticks)
            ],
            "price": [t.price.as_double() for t in ticks],
            "qty": [t.size.as_double() for t in ticks],
            "buyer_maker": [t.aggressor_side.name == "SELLER" for t in ticks],
        },
        columns=TRADE_COLUMNS,
    )
    quote_frame = pd.DataFrame(
        {
            "ts_ms": [q.ts_event // 1_000_000 for q in quotes],
            "bid": [q.bid_price.as_double() for q in quotes],
            "bid_size": [q.bid_size.as_double() for q in quotes],
            "ask": [q.ask_price.as_double() for q in quotes],
            "ask_size": [q.ask_size.as_double() for q in quotes],
        },
        columns=QUOTE_COLUMNS,
    )
    data = MarketData(
        symbol.replace("_", "").replace("/", "").upper(),
        base_code,
        quote_code,
        _sorted(trades, "ts_ms"),
        _sorted(quote_frame, "ts_ms"),
        price_precision=instrument.price_precision,
        size_precision=instrument.size_precision,
    )
    for entry in datasets:
        count, aggregation = entry["bar"].split("-")[:2] if entry["kind"] == "bars" else ("", "")
        interval = f"{count}{_UNITS.get(aggregation, '?')}"
        if entry["instrument_id"] != chosen or interval not in INTERVAL_MS:
            continue
        bars = load_bars(root, chosen, entry["bar"])
        frame = pd.DataFrame(
            [(b.ts_init // 1_000_000 - INTERVAL_MS[interval], b.open.as_double(), b.high.as_double(),
              b.low.as_double(), b.close.as_double(), b.volume.as_double()) for b in bars],
            columns=BAR_COLUMNS,
        )  # fmt: skip
        data.bars[interval] = _sorted(frame, "open_ms")
    return data
