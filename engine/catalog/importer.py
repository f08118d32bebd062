"""Import source files into a ParquetDataCatalog: read, validate, check overlap, then write.

Every file is read and validated, instruments are resolved and overlaps (with the catalog and
between the files themselves) are checked before anything is written. Data is then written to a
staging catalog and moved into place file by file with ``os.replace``; the metadata file is
replaced last. A file lock serialises imports into one catalog.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock
from nautilus_trader.model.data import Bar, BarType, QuoteTick, TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import InstrumentId, TradeId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.persistence.wranglers import BarDataWrangler
from tqdm import tqdm

from engine.catalog import metadata as meta
from engine.catalog.errors import validation_error
from engine.catalog.instruments import InstrumentSpec, build_instrument, classify
from engine.catalog.naming import DEFAULT_VENUE, infer_from_name, parse_bar_spec, step_from_spacing, step_ns
from engine.catalog.readers import SourceFrame, read_source
from engine.catalog.validate import decimals, gaps, median_spacing, price_columns, size_columns, validate


@dataclass(frozen=True)
class ImportReport:
    """What one imported file added to the catalog (``start``/``end`` are ts_init, i.e. bar close)."""

    key: str
    instrument_id: str
    kind: str
    bar_type: str | None
    rows: int
    start: pd.Timestamp
    end: pd.Timestamp
    digest: str
    gaps: int
    largest_gap: pd.Timedelta
    source: str = ""
    instrument_class: str = ""


@dataclass
class _Plan:
    src: SourceFrame
    instrument_id: str
    spec: InstrumentSpec
    bar_type: str | None
    interval_ns: int
    price_precision: int
    size_precision: int
    ts_init: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    gap_count: int = 0
    largest_gap_ns: int = 0

    @property
    def key(self) -> str:
        return self.bar_type if self.bar_type else f"{self.instrument_id}-{self.src.kind}"


def _instrument_id(given: str | None, symbol: str) -> str:
    if given:
        return given if "." in given else f"{given}.{DEFAULT_VENUE}"
    return f"{symbol}.{DEFAULT_VENUE}"


def _plan(path: Path, instrument: str | None, bar: str | None) -> _Plan:
    hints = infer_from_name(path)
    src = read_source(path, hints.kind)
    validate(src)
    iid = _instrument_id(instrument, hints.symbol)
    text = InstrumentId.from_str(iid).symbol.value if instrument else hints.raw_symbol
    spec = classify(text, path, src.symbol_hint)
    frame = src.frame
    ts = frame["ts"].to_numpy()
    bar_type, interval = None, 0
    if src.kind == "bars":
        price_type = hints.price_type
        if bar:
            count, aggregation, given_type = parse_bar_spec(bar)
            step, price_type = f"{count}-{aggregation}", given_type or price_type
        elif hints.step:
            step = hints.step
        else:
            spacing = median_spacing(ts)
            if spacing <= 0:
                raise validation_error(path, None, "ts", "cannot infer the bar interval", "--bar STEP-UNIT")
            step = step_from_spacing(spacing)
        interval = step_ns(step)
        short = np.flatnonzero(np.diff(ts) < interval) + 1
        if len(short):
            row = int(short[0])
            raise validation_error(
                path,
                row,
                "ts",
                f"bar opens {(ts[row] - ts[row - 1]) / 1e9:g}s after the previous bar",
                f"bars at least one {step} interval apart",
                ts=meta.iso(ts[row]),
                line_offset=src.csv_line_offset,
            )
        bar_type = f"{iid}-{step}-{price_type}-EXTERNAL"
    sizes = [frame[c].to_numpy() for c in size_columns(src.kind)] if src.has_volume else []
    plan = _Plan(
        src,
        iid,
        spec,
        bar_type,
        interval,
        max(decimals(frame[c].to_numpy()) for c in price_columns(src.kind)),
        max((decimals(s) for s in sizes), default=0),
    )
    plan.ts_init = ts + interval
    if src.kind == "bars":
        g = gaps(ts, interval)
        plan.gap_count, plan.largest_gap_ns = g.count, g.largest_ns
    return plan


def _data_cls(plan: _Plan) -> type:
    return {"bars": Bar, "trades": TradeTick, "quotes": QuoteTick}[plan.src.kind]


def _existing_intervals(catalog_dir: Path, plan: _Plan) -> list[tuple[int, int]]:
    if not (catalog_dir / "data").exists():
        return []
    catalog = ParquetDataCatalog(str(catalog_dir))
    return catalog.get_intervals(_data_cls(plan), plan.bar_type or plan.instrument_id)


def _check_overlap(plan: _Plan, intervals: Iterable[tuple[int, int, str]]) -> None:
    start, end = int(plan.ts_init[0]), int(plan.ts_init[-1])
    for lo, hi, what in intervals:
        if start <= hi and lo <= end:
            inside = np.flatnonzero((plan.ts_init >= lo) & (plan.ts_init <= hi))
            row = int(inside[0]) if len(inside) else 0
            raise validation_error(
                plan.src.path,
                row,
                "ts",
                f"overlaps {what} covering {meta.iso(lo)} .. {meta.iso(hi)} (ts_init)",
                "data that does not overlap data already imported",
                ts=meta.iso(plan.src.frame["ts"].iloc[row]),
                line_offset=plan.src.csv_line_offset,
            )


def _existing_instrument(catalog_dir: Path, instrument_id: str) -> Instrument | None:
    if not (catalog_dir / "data").exists():
        return None
    found = [i for i in ParquetDataCatalog(str(catalog_dir)).instruments() if str(i.id) == instrument_id]
    return found[0] if found else None


def _resolve_instruments(
    catalog_dir: Path, plans: list[_Plan]
) -> tuple[dict[str, Instrument], list[Instrument]]:
    """Instrument per id (existing one reused); returns (all, the new ones to write)."""
    out: dict[str, Instrument] = {}
    new: list[Instrument] = []
    for iid in dict.fromkeys(p.instrument_id for p in plans):
        group = [p for p in plans if p.instrument_id == iid]
        pp = max(p.price_precision for p in group)
        sp = max(p.size_precision for p in group)
        existing = _existing_instrument(catalog_dir, iid)
        if existing is not None:
            for p in group:
                if p.price_precision > existing.price_precision:
                    raise validation_error(
                        p.src.path,
                        None,
                        price_columns(p.src.kind)[0],
                        f"prices need {p.price_precision} decimals",
                        f"at most {existing.price_precision} (precision of {iid} already in the catalog)",
                    )
            out[iid] = existing
            continue
        first = min(int(p.src.frame["ts"].iloc[0]) for p in group)
        last = max(int(p.ts_init[-1]) for p in group)
        out[iid] = build_instrument(group[0].spec, iid, pp, sp, first, last)
        new.append(out[iid])
    return out, new


def _to_objects(plan: _Plan, instrument: Instrument) -> list[Any]:
    f = plan.src.frame
    pp, sp = instrument.price_precision, instrument.size_precision
    iid = instrument.id
    if plan.src.kind == "bars":
        data = f[["open", "high", "low", "close", "volume"]].copy()
        data.index = pd.DatetimeIndex(pd.to_datetime(f["ts"].to_numpy(), utc=True))
        wrangler = BarDataWrangler(BarType.from_str(plan.bar_type), instrument)
        return wrangler.process(data, default_volume=0.0, ts_init_delta=plan.interval_ns)
    ts = f["ts"].to_numpy().astype("uint64")
    if plan.src.kind == "trades":
        sides = {"BUY": AggressorSide.BUYER, "SELL": AggressorSide.SELLER, "": AggressorSide.NO_AGGRESSOR}
        return [
            TradeTick(iid, Price(p, pp), Quantity(q, sp), sides[s], TradeId(t), int(n), int(n))
            for p, q, s, t, n in zip(f["price"], f["size"], f["side"], f["trade_id"], ts, strict=True)
        ]
    return [
        QuoteTick(iid, Price(b, pp), Price(a, pp), Quantity(bs, sp), Quantity(az, sp), int(n), int(n))
        for b, a, bs, az, n in zip(f["bid"], f["ask"], f["bid_size"], f["ask_size"], ts, strict=True)
    ]


def _digest(plan: _Plan, instrument: Instrument) -> str:
    f = plan.src.frame
    cols: dict[str, np.ndarray] = {}
    precisions: dict[str, int] = {}
    for c in price_columns(plan.src.kind):
        cols[c], precisions[c] = f[c].to_numpy(), instrument.price_precision
    for c in size_columns(plan.src.kind):
        cols[c], precisions[c] = f[c].to_numpy(), instrument.size_precision
    if plan.src.kind == "trades":
        cols["side"], cols["trade_id"] = f["side"].to_numpy(), f["trade_id"].to_numpy()
    return meta.digest_rows(f["ts"].to_numpy(), plan.ts_init, cols, precisions)


def _move_tree(staging: Path, catalog_dir: Path) -> None:
    for src in sorted((staging / "data").rglob("*.parquet")):
        dest = catalog_dir / src.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)


def _merge_entry(old: dict[str, Any] | None, plan: _Plan, instrument: Instrument, source: dict) -> dict:
    sources = sorted([*(old["sources"] if old else []), source], key=lambda s: s["start_ns"])
    gap_count = sum(s["gaps"] for s in sources)
    largest = max(s["largest_gap_ns"] for s in sources)
    if plan.interval_ns:
        for a, b in itertools.pairwise(sources):
            spacing = b["start_ns"] - a["end_ns"]
            if spacing > plan.interval_ns:
                gap_count, largest = gap_count + 1, max(largest, spacing)
    start, end = sources[0]["start_ns"], max(s["end_ns"] for s in sources)
    return {
        "key": plan.key,
        "instrument_id": plan.instrument_id,
        "kind": plan.src.kind,
        "bar_type": plan.bar_type,
        "bar": plan.bar_type.split("-", 1)[1].rsplit("-", 1)[0] if plan.bar_type else None,
        "interval_ns": plan.interval_ns or None,
        "instrument_class": type(instrument).__name__,
        "account_type": plan.spec.account_type,
        "quote_currency": instrument.quote_currency.code,
        "base_currency": plan.spec.base,
        "price_precision": instrument.price_precision,
        "size_precision": instrument.size_precision,
        "rows": sum(s["rows"] for s in sources),
        "start_ns": start,
        "end_ns": end,
        "start": meta.iso(start),
        "end": meta.iso(end),
        "digest": meta.combine_digests([s["digest"] for s in sources]),
        "gaps": gap_count,
        "largest_gap_ns": largest,
        "largest_gap": str(pd.Timedelta(largest, unit="ns")),
        "source": sources[0]["path"],
        "sources": sources,
    }


def import_files(
    paths: Iterable[str | Path],
    catalog_dir: str | Path,
    instrument: str | None = None,
    bar: str | None = None,
    *,
    progress: bool = False,
) -> list[ImportReport]:
    """Import ``paths`` into the catalog at ``catalog_dir``; all-or-nothing on validation errors.

    ``instrument`` (``SYMBOL.VENUE``; venue defaults to SIM) and ``bar`` (``5-MINUTE`` or
    ``1-MINUTE-BID``) override what the file names say. Raises ``DataValidationError``.
    """
    paths = [Path(p) for p in paths]
    catalog_dir = Path(catalog_dir)
    bar_fmt = "{desc} {n_fmt}/{total_fmt} [{elapsed}]"
    with tqdm(total=2 * len(paths), disable=not progress, unit="step", bar_format=bar_fmt) as pbar:
        plans = []
        for path in paths:
            pbar.set_description(f"validate {path.name}")
            plans.append(_plan(path, instrument, bar))
            pbar.update()
        catalog_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(catalog_dir) + ".lock")
        with lock:
            return _write(plans, catalog_dir, pbar)


def _write(plans: list[_Plan], catalog_dir: Path, pbar: tqdm) -> list[ImportReport]:
    seen: list[tuple[str, int, int, str]] = []
    for plan in plans:
        existing = [(lo, hi, "data in the catalog") for lo, hi in _existing_intervals(catalog_dir, plan)]
        earlier = [(lo, hi, f"rows from {name}") for key, lo, hi, name in seen if key == plan.key]
        _check_overlap(plan, [*existing, *earlier])
        seen.append((plan.key, int(plan.ts_init[0]), int(plan.ts_init[-1]), plan.src.path.name))
    instruments, new_instruments = _resolve_instruments(catalog_dir, plans)
    datasets = meta.read_datasets(catalog_dir)
    (catalog_dir / meta.META_DIR).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=catalog_dir / meta.META_DIR))
    reports = []
    try:
        stage = ParquetDataCatalog(str(staging))
        if new_instruments:
            stage.write_data(new_instruments)
        for plan in plans:
            pbar.set_description(f"write {plan.src.path.name}")
            inst = instruments[plan.instrument_id]
            stage.write_data(_to_objects(plan, inst))
            digest = _digest(plan, inst)
            source = {
                "file": plan.src.path.name,
                "path": os.path.relpath(plan.src.path.resolve(), catalog_dir.resolve()),
                "rows": len(plan.ts_init),
                "start_ns": int(plan.ts_init[0]),
                "end_ns": int(plan.ts_init[-1]),
                "digest": digest,
                "gaps": plan.gap_count,
                "largest_gap_ns": plan.largest_gap_ns,
            }
            datasets[plan.key] = _merge_entry(datasets.get(plan.key), plan, inst, source)
            reports.append(
                ImportReport(
                    plan.key,
                    plan.instrument_id,
                    plan.src.kind,
                    plan.bar_type,
                    source["rows"],
                    pd.Timestamp(source["start_ns"], tz="UTC"),
                    pd.Timestamp(source["end_ns"], tz="UTC"),
                    digest,
                    plan.gap_count,
                    pd.Timedelta(plan.largest_gap_ns, unit="ns"),
                    str(plan.src.path),
                    type(inst).__name__,
                )
            )
            pbar.update()
        _move_tree(staging, catalog_dir)
        meta.write_datasets(catalog_dir, datasets)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return reports
