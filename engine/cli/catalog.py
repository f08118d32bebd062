"""``lineage catalog``: import market data files into a catalog and list its datasets."""

from __future__ import annotations

import argparse
import sys

from engine.catalog import import_files, read_datasets

_COLUMNS = ("instrument_id", "kind", "bar", "rows", "start", "end", "digest", "gaps", "largest_gap")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``catalog import`` and ``catalog list``."""
    parser = subparsers.add_parser("catalog", help="import market data into a catalog, list datasets")
    sub = parser.add_subparsers(dest="catalog_command", metavar="ACTION")
    sub.required = True

    imp = sub.add_parser("import", help="validate and import bar/trade/quote files (CSV, feather, parquet)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--catalog", required=True, metavar="DIR", help="catalog directory (created if missing)")
    imp.add_argument("--instrument", metavar="SYMBOL.VENUE", help="default: from the file name, venue SIM")
    imp.add_argument("--bar", metavar="SPEC", help="e.g. 5-MINUTE, 1-MINUTE-BID (default: from name)")
    imp.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="show progress")
    imp.set_defaults(func=_import)

    lst = sub.add_parser("list", help="print the catalog's datasets")
    lst.add_argument("--catalog", required=True, metavar="DIR")
    lst.set_defaults(func=_list)


def _import(args: argparse.Namespace) -> int:
    progress = bool(getattr(args, "verbose", False)) or sys.stderr.isatty()
    reports = import_files(args.files, args.catalog, args.instrument, args.bar, progress=progress)
    for r in reports:
        spec = r.bar_type or r.kind
        print(
            f"imported {r.rows} rows {spec} from {r.source}: {r.start.isoformat()} .. {r.end.isoformat()} "
            f"gaps={r.gaps} largest_gap={r.largest_gap} digest={r.digest[:16]}"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    datasets = read_datasets(args.catalog)
    if not datasets:
        print(f"no datasets in {args.catalog}")
        return 0
    rows = [[_cell(entry.get(c)) for c in _COLUMNS] for entry in datasets.values()]
    for row in rows:
        row[_COLUMNS.index("digest")] = row[_COLUMNS.index("digest")][:16]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths, strict=True)))
    for row in sorted(rows):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return 0


def _cell(value: object) -> str:
    return "-" if value is None else str(value)
