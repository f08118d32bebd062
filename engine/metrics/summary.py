"""Plain-text side-by-side table of a strategy's metrics and its benchmark's."""

from __future__ import annotations

from collections.abc import Mapping

# (metric key, label, format kind understood by format_value): the summary's rows, also the report's
METRIC_ROWS: tuple[tuple[str, str, str], ...] = (
    ("start", "Start", "text"),
    ("end", "End", "text"),
    ("bars", "Bars", "int"),
    ("final_equity", "Final equity", "money"),
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("sharpe", "Sharpe", "ratio"),
    ("sortino", "Sortino", "ratio"),
    ("calmar", "Calmar", "ratio"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("win_rate", "Win rate", "pct"),
    ("profit_factor", "Profit factor", "ratio"),
    ("exposure", "Exposure", "pct"),
    ("trade_count", "Trades", "int"),
)
NA = "n/a"


def format_value(value: object, kind: str) -> str:
    """Format one metric value; ``None`` (undefined) or a missing value is shown as ``n/a``."""
    if value is None:
        return NA
    if kind == "pct":
        return f"{float(value) * 100:,.2f}%"
    if kind == "ratio":
        return f"{float(value):,.2f}"
    if kind == "int":
        return f"{int(value):,d}"
    if kind == "money":
        return f"{float(value):,.8g}"
    return str(value)


def format_summary(metrics: Mapping[str, object], benchmark: Mapping[str, object] | None, title: str) -> str:
    """An aligned text table: one row per metric, a strategy column and, if given, a buy-and-hold one."""
    header = ["Metric", "Strategy"] + (["Buy & hold"] if benchmark is not None else [])
    rows = [header]
    for key, label, kind in METRIC_ROWS:
        row = [label, format_value(metrics.get(key), kind)]
        if benchmark is not None:
            row.append(format_value(benchmark.get(key), kind))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [title, "=" * max(len(title), sum(widths) + 2 * (len(widths) - 1))]
    for n, row in enumerate(rows):
        values = [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
        cells = [row[0].ljust(widths[0]), *values]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
