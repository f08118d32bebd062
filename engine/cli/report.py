"""``lineage report RUN_DIR``: write the run's self-contained HTML report to RUN_DIR/report.html."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.atomic import write_text_atomic
from engine.reports import render_report
from engine.reports.loader import load_run_view

REPORT_NAME = "report.html"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser("report", help="write a run's HTML report (opens offline)")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory, e.g. runs/<run-id>")
    parser.add_argument("--output", "-o", help=f"where to write (default: RUN_DIR/{REPORT_NAME})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render the report atomically and print its path."""
    run_dir = Path(args.run_dir)
    view = load_run_view(run_dir)
    target = Path(args.output) if args.output else run_dir / REPORT_NAME
    print(write_text_atomic(target, render_report(view)))
    return 0
