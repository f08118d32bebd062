"""Read a source file (CSV, feather, parquet) into a normalised frame of one data kind.

The normalised frame has an int64 ``ts`` column (UTC nanoseconds, bar *open* time for bars) and the
kind's value columns: bars ``open high low close volume``; trades ``price size side trade_id``;
quotes ``bid ask bid_size ask_size``. Its index is the 0-based source data row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.catalog.errors import validation_error

# canonical name -> accepted source spellings (lower-case, spaces/underscores removed)
_TS = ("date", "time", "timestamp", "datetime", "ts", "opentime", "tsevent")
_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "bars": {
        "open": ("open", "o"),
        "high": ("high", "h"),
        "low": ("low", "l"),
        "close": ("close", "c"),
        "volume": ("volume", "vol", "v"),
    },
    "trades": {
        "price": ("price",),
        "size": ("amount", "quantity", "qty", "size"),
        "side": ("side", "buyermaker", "isbuyermaker"),
        "trade_id": ("id", "tradeid"),
    },
    "quotes": {
        "bid": ("bid", "bidprice"),
        "ask": ("ask", "askprice"),
        "bid_size": ("bidsize", "bidvolume", "bidqty"),
        "ask_size": ("asksize", "askvolume", "askqty"),
    },
}
# known columns carried by real sources that the import does not need
_IGNORED = {
    "bars": ("adjclose", "openinterest"),
    "trades": ("type", "cost", "symbol"),
    "quotes": ("symbol",),
}
REQUIRED = {
    "bars": ("open", "high", "low", "close"),
    "trades": ("price", "size"),
    "quotes": ("bid", "ask"),
}


@dataclass
class SourceFrame:
    """A source file read and normalised: ``frame`` plus what was learnt on the way."""

    path: Path
    kind: str
    frame: pd.DataFrame
    has_volume: bool
    symbol_hint: str | None  # e.g. "BTC/USDT" from a quotes file's symbol column
    csv_line_offset: int | None  # data row i is on line i + offset of a CSV file


def _key(name: str) -> str:
    return str(name).strip().lower().replace(" ", "").replace("_", "")


def _read_csv(path: Path) -> tuple[pd.DataFrame, int]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        first = next(reader, None)
    if header is None:
        raise validation_error(path, None, "header", "file is empty", "a header row and data rows")
    names = [h.strip() for h in header]
    if first is not None and len(first) == len(names) + 1 and _key(names[0]) == "date":
        # split date/time columns with an unnamed time column (backtrader's layout)
        names = [names[0], "Time", *names[1:]]
    frame = pd.read_csv(path, header=None, skiprows=1, names=names, dtype=str, keep_default_na=False)
    return frame, 2


def read_table(path: Path) -> tuple[pd.DataFrame, int | None]:
    """Read ``path`` by its suffix; returns the raw frame and the CSV line offset (None otherwise)."""
    suffix = path.suffix.lower()
    if suffix == ".feather":
        return pd.read_feather(path), None
    if suffix == ".parquet":
        return pd.read_parquet(path), None
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise validation_error(path, None, "file", f"unsupported suffix {suffix!r}", ".csv, .feather or .parquet")


def detect_kind(columns: list[str], hint: str | None) -> str:
    """Data kind from a name hint, else from the columns (bid/ask -> quotes, price -> trades)."""
    if hint:
        return hint
    keys = {_key(c) for c in columns}
    if {"bid", "ask"} <= keys or {"bidprice", "askprice"} <= keys:
        return "quotes"
    if "price" in keys and keys & {"amount", "quantity", "qty", "size"}:
        return "trades"
    return "bars"


def _map_columns(path: Path, raw: pd.DataFrame, kind: str) -> tuple[dict[str, str], list[str]]:
    """Map source columns to canonical names; returns (canonical -> source, timestamp sources)."""
    mapping: dict[str, str] = {}
    ts_cols: list[str] = []
    lookup = {alias: canon for canon, aliases in _ALIASES[kind].items() for alias in aliases}
    for col in raw.columns:
        key = _key(col)
        if key in _TS:
            ts_cols.append(col)
        elif key in lookup and lookup[key] not in mapping:
            mapping[lookup[key]] = col
        elif key not in _IGNORED[kind]:
            expected = sorted({*_TS, *lookup, *_IGNORED[kind]})
            raise validation_error(path, None, str(col), "unknown column", f"one of {expected} for {kind}")
    missing = [c for c in REQUIRED[kind] if c not in mapping]
    if missing:
        raise validation_error(path, None, missing[0], "column missing", f"columns {list(REQUIRED[kind])}")
    if not ts_cols:
        raise validation_error(path, None, "timestamp", "no timestamp column", f"one of {list(_TS)}")
    if len(ts_cols) > 2:
        raise validation_error(path, None, ts_cols[2], "too many timestamp columns", "one, or date + time")
    return mapping, ts_cols


def _epoch_unit(values: np.ndarray) -> str:
    top = np.nanmax(np.abs(values)) if len(values) else 0
    if top < 1e11:
        return "s"
    if top < 1e14:
        return "ms"
    if top < 1e17:
        return "us"
    return "ns"


def parse_timestamps(
    path: Path, raw: pd.DataFrame, ts_cols: list[str], line_offset: int | None = None
) -> np.ndarray:
    """UTC nanoseconds from one timestamp column or a date + time pair.

    Accepts datetime columns (naive = UTC, tz-aware converted), epoch numbers (s/ms/us/ns by
    magnitude) and ISO-8601 text (naive = UTC, explicit offsets converted).
    """
    col = raw[ts_cols[0]]
    field = "+".join(map(str, ts_cols))
    if len(ts_cols) == 2:
        col = raw[ts_cols[0]].astype(str).str.strip() + " " + raw[ts_cols[1]].astype(str).str.strip()
    if pd.api.types.is_datetime64_any_dtype(col):
        parsed = pd.DatetimeIndex(col)
        parsed = parsed.tz_localize("UTC") if parsed.tz is None else parsed.tz_convert("UTC")
    elif pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype="float64")
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise validation_error(
                path,
                int(bad[0]),
                field,
                "missing or non-finite timestamp",
                "epoch time",
                line_offset=line_offset,
            )
        parsed = pd.to_datetime(col.to_numpy(dtype="int64"), unit=_epoch_unit(values), utc=True)
    else:
        text = col.astype(str).str.strip()
        try:
            parsed = _parse_text(text)
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if parsed is None or parsed.isna().any():
            row = _first_unparseable(text)
            raise validation_error(
                path,
                row,
                field,
                f"cannot read timestamp {text.iloc[row]!r} (unknown format or timezone)",
                "ISO-8601 date/time, naive (UTC) or with a UTC offset",
                line_offset=line_offset,
            )
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna())[0])
        raise validation_error(
            path, row, field, "missing timestamp", "a timestamp on every row", line_offset=line_offset
        )
    return parsed.as_unit("ns").asi8.astype("int64")


_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _parse_text(text: pd.Series) -> pd.DatetimeIndex:
    """ISO-8601 text to UTC: naive values are UTC, values with an offset are converted.

    Naive and offset values are parsed separately: pandas would otherwise apply the first
    value's offset to the naive ones.
    """
    aware = text.str.contains(_OFFSET_RE, regex=True).to_numpy()
    out = np.empty(len(text), dtype="int64")
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True).dt.as_unit("ns").astype("int64")
    if (~aware).any():
        naive = pd.to_datetime(text[~aware], format="ISO8601")
        if naive.isna().any():
            raise ValueError("unparseable")
        out[~aware] = naive.dt.as_unit("ns").astype("int64")
    return pd.DatetimeIndex(pd.to_datetime(out, utc=True))


def _first_unparseable(text: pd.Series) -> int:
    for i, value in enumerate(text):
        try:
            if pd.isna(_parse_text(pd.Series([value]))[0]):
                return i
        except (ValueError, TypeError, OverflowError):
            return i
    return 0


def _numeric(path: Path, series: pd.Series, field: str, line_offset: int | None) -> np.ndarray:
    values = pd.to_numeric(series.replace("", np.nan), errors="coerce").to_numpy(dtype="float64")
    text_bad = series.notna() & (series.astype(str).str.strip() != "") & np.isnan(values)
    if text_bad.any():
        row = int(np.flatnonzero(text_bad.to_numpy())[0])
        raise validation_error(
            path,
            row,
            field,
            f"not a number: {series.iloc[row]!r}",
            "a decimal number",
            line_offset=line_offset,
        )
    return values


def _sides(path: Path, series: pd.Series, source: str, line_offset: int | None) -> np.ndarray:
    text = series.astype(str).str.strip().str.lower()
    if _key(source) in ("buyermaker", "isbuyermaker"):
        table = {"true": "SELL", "false": "BUY", "1": "SELL", "0": "BUY"}
    else:
        table = {"buy": "BUY", "sell": "SELL", "b": "BUY", "s": "SELL", "": "", "none": "", "nan": ""}
    out = text.map(table)
    if out.isna().any():
        row = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise validation_error(
            path,
            row,
            source,
            f"unknown side {series.iloc[row]!r}",
            f"one of {sorted(table)}",
            line_offset=line_offset,
        )
    return out.to_numpy(dtype=object)


def read_source(path: str | Path, kind_hint: str | None = None) -> SourceFrame:
    """Read and normalise one source file (see module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise validation_error(path, None, "file", "not found", "an existing file")
    raw, line_offset = read_table(path)
    kind = detect_kind(list(raw.columns), kind_hint)
    if raw.empty:
        raise validation_error(path, None, "rows", "no data rows", "at least one row")
    mapping, ts_cols = _map_columns(path, raw, kind)
    out = pd.DataFrame({"ts": parse_timestamps(path, raw, ts_cols, line_offset)})
    for canon in _ALIASES[kind]:
        source = mapping.get(canon)
        if canon == "side":
            out[canon] = _sides(path, raw[source], source, line_offset) if source else ""
        elif canon == "trade_id":
            out[canon] = raw[source].astype(str).str.strip().to_numpy() if source else None
        elif source is not None:
            out[canon] = _numeric(path, raw[source], str(source), line_offset)
        else:
            out[canon] = np.nan if canon in REQUIRED[kind] else 0.0
    if kind == "trades" and "trade_id" not in mapping:
        out["trade_id"] = [str(i + 1) for i in range(len(out))]
    symbol_hint = None
    sym_cols = [c for c in raw.columns if _key(c) == "symbol"]
    if sym_cols:
        uniq = raw[sym_cols[0]].dropna().astype(str).unique()
        if len(uniq) > 1:
            raise validation_error(path, None, str(sym_cols[0]), f"several symbols {list(uniq)[:5]}", "one")
        symbol_hint = uniq[0] if len(uniq) else None
    has_volume = kind != "bars" or "volume" in mapping
    return SourceFrame(path, kind, out, has_volume, symbol_hint, line_offset)
