"""``lineage log``: verify an event log, or export a checkpoint of it to check it later."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from engine.eventlog import VerifyReport, checkpoint_of, export_checkpoint, load_checkpoint, verify_log

EXIT_DAMAGED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``log verify`` and ``log checkpoint``."""
    parser = subparsers.add_parser("log", help="verify event logs and export checkpoints")
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION")
    sub.required = True

    verify = sub.add_parser("verify", help="verify a log's stored bytes; exit 1 naming the first bad record")
    verify.add_argument("directory", type=Path, metavar="DIR", help="the log directory (runs/<run-id>/log)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--checkpoint", type=Path, metavar="FILE", help="a checkpoint the log must still match"
    )
    verify.add_argument(
        "--expect-last",
        metavar="KIND",
        help="require the last record's kind (e.g. RunEnded: catches truncation)",
    )
    verify.add_argument(
        "--shallow", action="store_true", help="skip sealed segments' Merkle roots and digests"
    )
    verify.set_defaults(func=run_verify)

    checkpoint = sub.add_parser("checkpoint", help="verify a log and export a checkpoint of its records")
    checkpoint.add_argument("directory", type=Path, metavar="DIR", help="the log directory")
    checkpoint.add_argument(
        "--out", type=Path, metavar="FILE", required=True, help="checkpoint file to write"
    )
    checkpoint.set_defaults(func=run_checkpoint)


def run_verify(args: argparse.Namespace) -> int:
    """Verify ``args.directory``; 0 when intact, 1 when damaged, torn or contradicting a checkpoint."""
    checkpoint = load_checkpoint(args.checkpoint) if args.checkpoint else None
    report = verify_log(
        args.directory, deep=not args.shallow, checkpoint=checkpoint, expect_last_kind=args.expect_last
    )
    if args.json:
        print(json.dumps({"ok": report.ok, **asdict(report)}, indent=1, sort_keys=True))
    else:
        print(describe(report))
    return 0 if report.ok else EXIT_DAMAGED


def describe(report: VerifyReport) -> str:
    """One human line (two when damaged) summarising a verification."""
    summary = (
        f"{report.path}: {report.records} records, {report.bytes:,} bytes, {report.segments} segments "
        f"({report.sealed} sealed), head {report.head}"
    )
    if report.error is not None:
        where = f"first bad record: {report.first_bad}: " if report.first_bad is not None else ""
        return f"DAMAGED {summary}\n  {where}{report.error}"
    if report.torn_tail is not None:
        torn = report.torn_tail
        return (
            f"TORN TAIL {summary}\n  first bad record: {torn['seq']}: cut short at byte {torn['offset']} of "
            f"segment {torn['segment']} ({torn['bytes']} bytes); opening the log for writing recovers it"
        )
    return f"OK {summary}"


def run_checkpoint(args: argparse.Namespace) -> int:
    """Verify ``args.directory`` and write a checkpoint of its complete records to ``args.out``."""
    checkpoint = checkpoint_of(args.directory)
    path = export_checkpoint(checkpoint, args.out)
    print(f"checkpoint of records 0..{checkpoint['seq']} (head {checkpoint['head']}) written to {path}")
    return 0
