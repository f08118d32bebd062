"""HTML tables of a run: metrics (strategy vs buy-and-hold), monthly returns heat-map, folds, scars."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from engine.errors import LineageError
from engine.metrics import monthly_returns
from engine.metrics.summary import METRIC_ROWS, format_value
from engine.reports.svg import esc
from engine.reports.view import Fold, ScarMark

KINDS = {key: kind for key, _, kind in METRIC_ROWS}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_SCAR_ROWS = 200


def fmt(value: object, key: str) -> str:
    """A metric value formatted by its kind; unknown keys are shown as plain text or ``g``."""
    kind = KINDS.get(key)
    try:
        if kind is not None:
            return format_value(value, kind)
        if isinstance(value, float):
            return f"{value:.6g}"
        return "n/a" if value is None else str(value)
    except (TypeError, ValueError):
        return str(value)


def metrics_table(metrics: Mapping[str, object], benchmark: Mapping[str, object]) -> str | None:
    """Known metrics in a fixed order, then any others, strategy next to buy-and-hold."""
    if not metrics and not benchmark:
        return None
    keys = [k for k, _, _ in METRIC_ROWS if k in metrics or k in benchmark]
    keys += sorted(
        k
        for k in {*metrics, *benchmark}
        if k not in KINDS and not isinstance(metrics.get(k, benchmark.get(k)), Mapping | list)
    )
    labels = {key: label for key, label, _ in METRIC_ROWS}
    rows = "".join(
        f'<tr data-metric="{esc(k)}"><th>{esc(labels.get(k, k))}</th>'
        f'<td class="strategy">{esc(fmt(metrics.get(k), k))}</td>'
        f'<td class="benchmark">{esc(fmt(benchmark.get(k), k))}</td></tr>'
        for k in keys
    )
    return (
        '<table id="metrics-table" class="data"><thead><tr><th>Metric</th><th>Strategy</th>'
        f"<th>Buy &amp; hold</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def heat_colour(value: float, scale: float) -> str:
    """Green for gains, red for losses, stronger with size (relative to ``scale``)."""
    strength = min(1.0, abs(value) / scale) if scale > 0 else 0.0
    alpha = 0.12 + 0.78 * strength
    return f"rgba(22,163,74,{alpha:.2f})" if value >= 0 else f"rgba(220,38,38,{alpha:.2f})"


def monthly_heatmap(equity: pd.Series) -> str | None:
    """Calendar-month returns (``engine.metrics.monthly_returns``) as a coloured year x month table."""
    if len(equity) < 2:
        return None
    try:
        table = monthly_returns(equity)
    except LineageError:
        return None
    finite = [abs(v) for v in table.to_numpy().ravel() if isinstance(v, float) and math.isfinite(v)]
    if not finite:
        return None
    scale = max(finite)
    head = "".join(f"<th>{m}</th>" for m in MONTHS)
    rows = []
    for year, row in table.iterrows():
        cells = []
        for month in range(1, 13):
            value = row.get(month)
            if value is None or not math.isfinite(value):
                cells.append('<td class="heat-empty"></td>')
                continue
            cells.append(
                f'<td class="heat-cell" data-month="{int(year)}-{month:02d}" data-return="{value:.6g}" '
                f'style="background:{heat_colour(value, scale)}">{value * 100:.1f}%</td>'
            )
        rows.append(f"<tr><th>{int(year)}</th>{''.join(cells)}</tr>")
    return (
        f'<table id="monthly-heatmap" class="heatmap"><thead><tr><th>Year</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _ts(value: pd.Timestamp | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def fold_table(folds: Sequence[Fold]) -> str | None:
    """One row per walk-forward fold: windows and its main out-of-sample metrics."""
    if not folds:
        return None
    keys = [k for k, _, _ in METRIC_ROWS if any(k in f.metrics for f in folds) and k not in ("start", "end")]
    head = "".join(f"<th>{esc(k)}</th>" for k in keys)
    rows = "".join(
        f'<tr class="fold-row" data-fold="{f.fold}"><td>{f.fold}</td><td>{_ts(f.train_start)}</td>'
        f"<td>{_ts(f.train_end)}</td><td>{_ts(f.test_start)}</td><td>{_ts(f.test_end)}</td>"
        + "".join(f"<td>{esc(fmt(f.metrics.get(k), k))}</td>" for k in keys)
        + "</tr>"
        for f in folds
    )
    return (
        '<table id="fold-table" class="data"><thead><tr><th>Fold</th><th>Train start</th><th>Train end</th>'
        f"<th>Test start</th><th>Test end</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def scars_table(scars: Sequence[ScarMark]) -> str | None:
    """The most recent scars (up to ``MAX_SCAR_ROWS``) with agent, severity and loss."""
    if not scars:
        return None
    shown = list(scars)[-MAX_SCAR_ROWS:]
    rows = "".join(
        f'<tr class="scar-row {esc(s.severity.lower())}"><td>{esc(s.ts.isoformat())}</td>'
        f"<td>{esc(s.agent)}</td>"
        f"<td>{esc(s.severity)}</td><td>{s.loss_fraction:.2%}</td></tr>"
        for s in shown
    )
    note = (
        f"<p class='note'>showing the last {len(shown)} of {len(scars)}</p>"
        if len(shown) < len(scars)
        else ""
    )
    return (
        f'{note}<table id="scars-table" class="data"><thead><tr><th>Time</th><th>Agent</th><th>Severity</th>'
        f"<th>Loss</th></tr></thead><tbody>{rows}</tbody></table>"
    )
