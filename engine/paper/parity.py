"""Backtest-vs-paper parity: one recorded data set feeding both a backtest and a paper session.

``parity_catalog`` writes the bars the exchange simulator streams for a recording (closed klines,
aggregated from trades or read from a bar file) into a NautilusTrader catalog, decoded by the paper
data client's own decoder (``engine.paper.wire.to_bar``: stamped at bar close) and under the
instrument the client builds from the simulator's ``exchangeInfo`` (same precisions and fees). A
``run_backtest`` over that catalog then replays exactly the bars a paper session against
``ExchangeSimulator(source)`` receives, and ``lineage diff BACKTEST_RUN PAPER_RUN`` compares their
decisions. What parity guarantees is documented in ``docs/paper-trading.md``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from engine.catalog import metadata as meta
from engine.errors import LineageError
from engine.exchange_sim import binance_format as fmt
from engine.exchange_sim.sources import INTERVAL_MS, MarketData, load_market_data
from engine.exchange_sim.timeline import bar_sets, build_timeline
from engine.paper import wire
from engine.paper.instruments import currency_pair_from_exchange_info
from engine.recording.manifest import bars_digest

DEFAULT_FEE = Decimal("0.001")  # LiveMarketDataClientConfig's maker/taker default


@dataclass(frozen=True)
class ParityCatalog:
    """A catalog made by ``parity_catalog``: where it is and what a backtest needs to read it."""

    path: Path
    instrument: Instrument
    bar: str  # e.g. "1-SECOND" (the backtest's ``bar``)
    bar_type: str  # e.g. "BTCUSDT.BINANCE-1-SECOND-LAST-EXTERNAL" (the paper session's ``--bar``)
    bars: list[Bar]


_SPEC = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY"}


def streamed_bars(
    data: MarketData,
    instrument: Instrument,
    interval: str,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[Bar]:
    """The closed bars the simulator streams for ``interval`` (with the simulator's own
    ``start_ms``/``end_ms`` replay window, on send time = bar close), as the paper client decodes them."""
    if interval not in INTERVAL_MS:
        raise LineageError(f"interval {interval!r}: expected one of {sorted(INTERVAL_MS)}")
    bar_type = BarType.from_str(f"{instrument.id}-{interval[:-1]}-{_SPEC[interval[-1]]}-LAST-EXTERNAL")
    bars = bar_sets(data, (interval,)).get(interval)
    if bars is None or not len(bars):
        raise LineageError(f"{data.symbol}: no {interval} bars (no bar file and no trades to build them)")
    stream = f"{data.symbol.lower()}@kline_{interval}"
    out = []
    for event in build_timeline(data, {interval: bars}):
        inside = (start_ms is None or event.ts_ms >= start_ms) and (end_ms is None or event.ts_ms <= end_ms)
        if event.stream == stream and inside:
            msg = wire.decode("kline", stream, event.payload.encode())
            bar = wire.to_bar(msg, bar_type, instrument, stream)
            if bar is not None:
                out.append(bar)
    return out


def simulator_instrument(data: MarketData, instrument_id: str) -> Instrument:
    """The instrument the paper data client builds from the simulator's ``exchangeInfo``."""
    from nautilus_trader.model.identifiers import InstrumentId

    body = fmt.exchange_info(data, data.span_ms()[0])
    iid = InstrumentId.from_str(instrument_id)
    return currency_pair_from_exchange_info(body, iid, DEFAULT_FEE, DEFAULT_FEE, 0)


def parity_catalog(
    source: str | Path | MarketData,
    instrument_id: str,
    catalog_dir: str | Path,
    interval: str = "1m",
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> ParityCatalog:
    """Write the simulator's ``interval`` bars of ``source`` into a new catalog at ``catalog_dir``.

    ``source`` is what ``ExchangeSimulator`` takes (a source folder, an imported catalog, or loaded
    ``MarketData``); ``start_ms``/``end_ms`` are the replay window given to the simulator, if any.
    The catalog is built in a temporary sibling folder and renamed into place; an
    existing ``catalog_dir`` is refused.
    """
    data = source if isinstance(source, MarketData) else load_market_data(source, instrument_id)
    target = Path(catalog_dir)
    if target.exists():
        raise LineageError(f"{target}: already exists; expected a new folder for the parity catalog")
    instrument = simulator_instrument(data, instrument_id)
    bars = streamed_bars(data, instrument, interval, start_ms, end_ms)
    if not bars:
        raise LineageError(f"{data.symbol}: no {interval} bar closes between {start_ms} and {end_ms} (ms)")
    bar_type = str(bars[0].bar_type)
    bar = bar_type.split("-", 1)[1].rsplit("-", 2)[0]
    staging = target.with_name(f".{target.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        catalog = ParquetDataCatalog(str(staging))
        catalog.write_data([instrument])
        catalog.write_data(bars)
        start, end = bars[0].ts_init, bars[-1].ts_init
        entry = {
            "key": bar_type,
            "instrument_id": instrument_id,
            "kind": "bars",
            "bar_type": bar_type,
            "bar": f"{bar}-LAST",
            "interval_ns": INTERVAL_MS[interval] * 1_000_000,
            "instrument_class": type(instrument).__name__,
            "account_type": "CASH",
            "quote_currency": instrument.quote_currency.code,
            "base_currency": instrument.base_currency.code,
            "price_precision": instrument.price_precision,
            "size_precision": instrument.size_precision,
            "rows": len(bars),
            "start_ns": start,
            "end_ns": end,
            "start": meta.iso(start),
            "end": meta.iso(end),
            "digest": bars_digest(bars),
            "gaps": 0,
            "largest_gap_ns": 0,
            "largest_gap": "0 days 00:00:00",
            "source": f"exchange-sim {data.symbol} {interval} klines",
            "sources": [],
        }
        meta.write_datasets(staging, {bar_type: entry})
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ParityCatalog(target, instrument, bar, bar_type, bars)


__all__ = ["ParityCatalog", "parity_catalog", "simulator_instrument", "streamed_bars"]
