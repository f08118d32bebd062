"""Every bundled real file imports and reads back as the source says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from engine.catalog import bars_frame, dataset_info, import_files, load_bars, load_instrument, read_datasets
from tests.catalog.conftest import ALL_FILES, SOURCES

# rows per file from catalogs/sources/PROVENANCE.md
PROVENANCE_ROWS = {
    "ETH_BTC-5m.feather": 5760, "ADA_BTC-5m.feather": 5720, "DASH_BTC-5m.feather": 5758,
    "ETC_BTC-5m.feather": 5759, "TRX_BTC-5m.feather": 5754, "XLM_BTC-5m.feather": 5760,
    "ZEC_BTC-5m.feather": 5757, "UNITTEST_BTC-1m.feather": 13681, "XRP_ETH-1m.feather": 2469,
    "XRP_ETH-trades.feather": 12477, "BTC-PERP-1m-2022-01.csv": 45031,
    "BTCUSDT-trades-2021-01-08.parquet": 2001, "BTCUSDT-quotes-2021-01-08.parquet": 451,
    "orcl-1995-2014.csv": 5036, "yhoo-1996-2015.csv": 4965, "2006-min-futures.csv": 30889,
    "GBPUSD-m1-bid-2012.csv": 30117,
}  # fmt: skip

# (file, instrument id, bar spec, interval, instrument class, account type, quote currency)
BARS = [
    ("crypto/ETH_BTC-5m.feather", "ETHBTC.SIM", "5-MINUTE", "5min", "CurrencyPair", "CASH", "BTC"),
    ("crypto/ADA_BTC-5m.feather", "ADABTC.SIM", "5-MINUTE", "5min", "CurrencyPair", "CASH", "BTC"),
    ("crypto/UNITTEST_BTC-1m.feather", "UNITTESTBTC.SIM", "1-MINUTE", "1min", "CurrencyPair", "CASH", "BTC"),
    ("crypto/XRP_ETH-1m.feather", "XRPETH.SIM", "1-MINUTE", "1min", "CurrencyPair", "CASH", "ETH"),
    ("crypto/BTC-PERP-1m-2022-01.csv", "BTCPERP.SIM", "1-MINUTE", "1min", "CryptoPerpetual", "MARGIN", "USD"),
    ("equities/orcl-1995-2014.csv", "ORCL.SIM", "1-DAY", "1D", "Equity", "CASH", "USD"),
    ("equities/yhoo-1996-2015.csv", "YHOO.SIM", "1-DAY", "1D", "Equity", "CASH", "USD"),
    ("futures/2006-min-futures.csv", "2006.SIM", "1-MINUTE", "1min", "FuturesContract", "MARGIN", "USD"),
    ("fx/GBPUSD-m1-bid-2012.csv", "GBPUSD.SIM", "1-MINUTE-BID", "1min", "CurrencyPair", "MARGIN", "USD"),
]


def _raw_bars(rel: str) -> pd.DataFrame:
    """The source read independently with plain pandas: bar-open index and OHLC(V)."""
    path = SOURCES / rel
    if path.suffix == ".feather":
        df = pd.read_feather(path).set_index("date")
    elif rel.startswith("futures"):
        df = pd.read_csv(path, header=None, skiprows=1)
        df.index = pd.to_datetime(df[0] + " " + df[1], utc=True)
        df = df.rename(columns={2: "open", 3: "high", 4: "low", 5: "close", 6: "volume"})
    else:
        df = pd.read_csv(path)
        df.columns = [c.lower() for c in df.columns]
        df.index = pd.to_datetime(df.pop(df.columns[0]), utc=True)
    return df


def test_every_bundled_file_is_imported(full_catalog: tuple[Path, list]) -> None:
    root, reports = full_catalog
    assert len(ALL_FILES) == 17
    assert {Path(r.source).name: r.rows for r in reports} == PROVENANCE_ROWS
    datasets = read_datasets(root)
    assert len(datasets) == 17
    for r in reports:
        entry = datasets[r.key]
        assert entry["rows"] == r.rows and entry["digest"] == r.digest and len(r.digest) == 64
        assert entry["start"] == r.start.isoformat() and entry["end"] == r.end.isoformat()


@pytest.mark.parametrize(("rel", "iid", "bar", "interval", "cls", "account", "quote"), BARS)
def test_bars_read_back_with_ts_init_at_close(
    full_catalog: tuple[Path, list],
    rel: str,
    iid: str,
    bar: str,
    interval: str,
    cls: str,
    account: str,
    quote: str,
) -> None:
    root, _ = full_catalog
    raw = _raw_bars(rel)
    frame = bars_frame(root, iid, bar)
    assert len(frame) == len(raw)
    assert frame.index.name == "ts" and str(frame.index.tz) == "UTC"
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    # ts_init = bar open + interval, row for row
    assert (frame.index == raw.index + pd.Timedelta(interval)).all()
    for pos in (0, -1):
        for col in ("open", "high", "low", "close"):
            assert frame[col].iloc[pos] == pytest.approx(raw[col].iloc[pos], rel=1e-12)
    if "volume" in raw:
        assert frame["volume"].iloc[-1] == pytest.approx(raw["volume"].iloc[-1], rel=1e-6)
    else:
        assert (frame["volume"] == 0).all()
    info = dataset_info(root, iid, "bars", bar)
    assert (info["instrument_class"], info["account_type"], info["quote_currency"]) == (cls, account, quote)
    instrument = load_instrument(root, iid)
    assert type(instrument).__name__ == cls and instrument.quote_currency.code == quote
    bars = load_bars(root, iid, bar)
    assert bars[0].ts_event == raw.index[0].value  # ts_event keeps the bar open
    assert bars[0].ts_init - bars[0].ts_event == pd.Timedelta(interval).value


def test_bars_filtered_by_close_time(full_catalog: tuple[Path, list]) -> None:
    root, _ = full_catalog
    frame = bars_frame(root, "ETHBTC.SIM", "5-MINUTE", start="2018-01-10 05:10", end="2018-01-10 05:30")
    assert list(frame.index.strftime("%H:%M")) == ["05:10", "05:15", "05:20", "05:25", "05:30"]


def test_precision_comes_from_the_data(full_catalog: tuple[Path, list]) -> None:
    root, _ = full_catalog
    eth = load_instrument(root, "ETHBTC.SIM")  # 0.09946999 has 8 decimals
    assert (eth.price_precision, str(eth.price_increment)) == (8, "0.00000001")
    assert eth.base_currency.code == "ETH" and eth.quote_currency.code == "BTC"
    perp = load_instrument(root, "BTCPERP.SIM")  # 43613.875 and float-noise volumes like 218102.59507500002
    assert (perp.price_precision, perp.size_precision) == (3, 7)
    assert load_instrument(root, "GBPUSD.SIM").price_precision == 5
    assert load_instrument(root, "ORCL.SIM").price_precision == 6  # 2.179012
    btc = load_instrument(root, "BTCUSDT.SIM")  # from the quotes' symbol column BTC/USDT
    assert (btc.base_currency.code, btc.quote_currency.code, btc.price_precision) == ("BTC", "USDT", 2)


def test_ticks_read_back(full_catalog: tuple[Path, list]) -> None:
    root, _ = full_catalog
    catalog = ParquetDataCatalog(str(root))
    raw = pd.read_feather(SOURCES / "crypto/XRP_ETH-trades.feather")
    trades = catalog.trade_ticks(instrument_ids=["XRPETH.SIM"])
    assert len(trades) == len(raw)
    assert trades[0].ts_init == raw["timestamp"].iloc[0] * 1_000_000  # epoch ms
    assert trades[-1].price.as_double() == pytest.approx(raw["price"].iloc[-1])
    assert trades[-1].size.as_double() == raw["amount"].iloc[-1]
    assert trades[0].aggressor_side == AggressorSide.SELLER and str(trades[0].trade_id) == raw["id"].iloc[0]
    quotes = catalog.quote_ticks(instrument_ids=["BTCUSDT.SIM"])
    raw_q = pd.read_parquet(SOURCES / "crypto/BTCUSDT-quotes-2021-01-08.parquet")
    assert len(quotes) == len(raw_q)
    assert quotes[-1].bid_price.as_double() == pytest.approx(raw_q["bid"].iloc[-1])
    assert quotes[-1].ask_size.as_double() == pytest.approx(raw_q["ask_size"].iloc[-1])
    info = dataset_info(root, "BTCUSDT.SIM", "trades")
    assert info["rows"] == 2001 and info["bar_type"] is None


def test_gaps_reported_on_ada_btc(full_catalog: tuple[Path, list]) -> None:
    root, _ = full_catalog
    opens = pd.read_feather(SOURCES / "crypto/ADA_BTC-5m.feather")["date"]
    spacing = opens.diff().dropna()
    over = spacing[spacing > pd.Timedelta("5min")]
    info = dataset_info(root, "ADABTC.SIM", "bars", "5-MINUTE")
    assert info["gaps"] == len(over) > 0
    assert info["largest_gap_ns"] == over.max().value
    assert dataset_info(root, "ETHBTC.SIM")["gaps"] == 0


SHARED = Path("/work/shared/data")


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data folder absent")
def test_shared_data_matches_bundled_copies(full_catalog: tuple[Path, list], tmp_path: Path) -> None:
    files = sorted(p for p in SHARED.rglob("*") if p.suffix in (".csv", ".feather", ".parquet"))
    reports = import_files(files, tmp_path / "shared")
    _, bundled = full_catalog
    assert {r.key: r.digest for r in reports} == {r.key: r.digest for r in bundled}
