"""``lineage runs [DIR]``: list recorded runs with key figures; ``lineage runs compare A B``."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.errors import LineageError
from engine.reports.listing import compare_table, list_runs, runs_table

DEFAULT_RUNS = "runs"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``runs`` command (``runs [DIR]`` lists, ``runs compare RUN_A RUN_B`` compares)."""
    parser = subparsers.add_parser(
        "runs",
        help="list runs or compare two",
        usage="lineage runs [DIR]\n       lineage runs compare RUN_A RUN_B",
        description="List the runs in DIR (default: runs/) or compare two runs' metrics.",
    )
    parser.add_argument("args", nargs="*", metavar="ARG", help="[DIR] | compare RUN_A RUN_B")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the listing or the comparison."""
    words = list(args.args)
    if words and words[0] == "compare" and not Path("compare").is_dir():
        if len(words) != 3:
            raise LineageError(
                "runs compare: expected two run directories (lineage runs compare RUN_A RUN_B)"
            )
        print(compare_table(Path(words[1]), Path(words[2])), end="")
        return 0
    if len(words) > 1:
        raise LineageError(f"runs: expected at most one folder, got {len(words)} arguments")
    rows = list_runs(Path(words[0] if words else DEFAULT_RUNS))
    if not rows:
        print(f"no runs in {words[0] if words else DEFAULT_RUNS}")
        return 0
    print(runs_table(rows), end="")
    return 0
