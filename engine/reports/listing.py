"""Key figures of runs for ``lineage runs``: one row per run directory, and two runs compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import LineageError
from engine.reports.files import read_json_file
from engine.reports.loader import EVENTS, MANIFEST, METRICS, audit_status, is_run_dir
from engine.reports.tables import METRIC_ROWS, fmt

COLUMNS = (
    "run",
    "kind",
    "strategy",
    "instrument",
    "return",
    "sharpe",
    "max dd",
    "trades",
    "head",
    "verified",
)
COMPARE_KEYS = tuple(k for k, _, _ in METRIC_ROWS)
DIFF_KINDS = ("pct", "ratio", "int", "money")


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run's headline figures as display strings."""

    run: str
    kind: str
    strategy: str
    instrument: str
    total_return: str
    sharpe: str
    max_drawdown: str
    trades: str
    head: str
    verified: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.run,
            self.kind,
            self.strategy,
            self.instrument,
            self.total_return,
            self.sharpe,
            self.max_drawdown,
            self.trades,
            self.head,
            self.verified,
        )


def _get(mapping: object, *path: str) -> object:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def run_row(run_dir: Path) -> RunRow:
    """Headline figures of one run; an unreadable run gets a row that says why."""
    try:
        manifest = read_json_file(run_dir / MANIFEST)
        metrics = read_json_file(run_dir / METRICS)
        head = metrics.get("chain_head") if isinstance(metrics.get("chain_head"), str) else None
        audit, log_head = audit_status(run_dir / EVENTS, head)
    except LineageError as exc:
        return RunRow(run_dir.name, "?", f"unreadable: {exc}", "", "", "", "", "", "", "no")
    strategy = metrics.get("strategy") if isinstance(metrics.get("strategy"), Mapping) else {}
    name = str(_get(manifest, "strategy", "name") or "")
    verified = {"ok": "yes", "failed": "NO"}.get(audit.state, "-")
    return RunRow(
        run=run_dir.name,
        kind=str(manifest.get("kind") or metrics.get("kind") or "backtest"),
        strategy=name.rsplit(":", 1)[-1],
        instrument=str(_get(manifest, "data", "instrument_id") or ""),
        total_return=fmt(strategy.get("total_return"), "total_return"),
        sharpe=fmt(strategy.get("sharpe"), "sharpe"),
        max_drawdown=fmt(strategy.get("max_drawdown"), "max_drawdown"),
        trades=fmt(strategy.get("trade_count", strategy.get("trades")), "trade_count"),
        head=(log_head or head or "")[:12],
        verified=verified,
    )


def list_runs(root: Path) -> list[RunRow]:
    """Rows for every run directory directly under ``root``, sorted by name."""
    if not root.is_dir():
        raise LineageError(f"{root}: no such runs folder (expected a directory of run directories)")
    return [run_row(p) for p in sorted(root.iterdir()) if not p.name.startswith(".") and is_run_dir(p)]


def aligned(rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Rows as a text table with a header rule; ``right`` marks right-aligned columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def runs_table(rows: Sequence[RunRow]) -> str:
    """The ``lineage runs`` table."""
    right = [False] * 4 + [True] * 4 + [False, False]
    return aligned([COLUMNS, *(r.cells() for r in rows)], right)


def _difference(a: object, b: object, key: str, kind: str) -> str:
    if kind not in DIFF_KINDS or isinstance(a, bool) or isinstance(b, bool):
        return ""
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return ""
    diff = b - a
    if kind == "pct":
        return f"{diff * 100:+,.2f} pp"
    if kind == "int":
        return f"{int(diff):+,d}"
    if kind == "money":
        return f"{diff:+,.8g}"
    return f"{diff:+,.2f}"


def compare_table(run_a: Path, run_b: Path) -> str:
    """Two runs' strategy metrics side by side with the difference B - A (pp = percentage points)."""
    metrics = []
    for run in (run_a, run_b):
        if not is_run_dir(run):
            raise LineageError(f"{run}: not a run directory (expected {MANIFEST} or {METRICS} inside)")
        strategy = read_json_file(run / METRICS).get("strategy")
        metrics.append(strategy if isinstance(strategy, Mapping) else {})
    a, b = metrics
    kinds = {k: kind for k, _, kind in METRIC_ROWS}
    labels = {k: label for k, label, _ in METRIC_ROWS}
    keys = [k for k in COMPARE_KEYS if k in a or k in b]
    keys += sorted(
        k for k in {*a, *b} if k not in kinds and isinstance(a.get(k, b.get(k)), int | float | str)
    )
    rows = [("metric", f"A: {run_a.name}", f"B: {run_b.name}", "B - A")]
    for key in keys:
        rows.append(
            (
                labels.get(key, key),
                fmt(a.get(key), key),
                fmt(b.get(key), key),
                _difference(a.get(key), b.get(key), key, kinds.get(key, "ratio")),
            )
        )
    return aligned(rows, [False, True, True, True])
