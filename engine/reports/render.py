"""``render_report``: one self-contained HTML page (inline CSS, SVG and script) for a ``RunView``."""

from __future__ import annotations

from collections.abc import Callable

from engine.reports import arena, charts, tables
from engine.reports.downsample import DEFAULT_MAX_POINTS
from engine.reports.page import page
from engine.reports.svg import esc
from engine.reports.view import RunView

NO_DATA = '<p class="no-data">no data</p>'


def section(section_id: str, title: str, content: str | None) -> str:
    """A titled ``<section id=...>``; ``None`` content shows "no data"."""
    return f'<section id="{esc(section_id)}"><h2>{esc(title)}</h2>{content or NO_DATA}</section>'


def _safe(build: Callable[[], str | None], name: str) -> str | None:
    """Build one part; a failure on odd data shows a note instead of breaking the whole report."""
    try:
        return build()
    except Exception as exc:  # a report must render whatever the data looks like
        return f'<p class="no-data">could not draw {esc(name)}: {esc(type(exc).__name__)}: {esc(exc)}</p>'


def header(view: RunView) -> str:
    """Title, run kind, chain head and audit status."""
    head = view.chain_head or "unknown"
    audit = view.audit
    details = "".join(f"<span>{esc(k)}: {esc(v)}</span>" for k, v in view.details.items())
    message = f" — {esc(audit.message)}" if audit.message else ""
    return (
        f'<header><h1 id="run-title">{esc(view.title)}</h1><div class="meta">'
        f'<span>kind: <b id="run-kind">{esc(view.kind)}</b></span>'
        f'<span>chain head: <code id="chain-head" title="{esc(head)}">{esc(head)}</code></span>'
        f'<span>audit: <span id="audit-status" class="audit {esc(audit.state)}">{esc(audit.state)}</span>'
        f"{message}</span>{details}</div></header>"
    )


def render_report(view: RunView, max_points: int = DEFAULT_MAX_POINTS) -> str:
    """The report page for ``view``: every section, "no data" where a section has nothing."""
    eq, bench = view.equity, view.benchmark_equity
    parts = [
        section(
            "equity",
            "Equity vs buy & hold",
            _safe(lambda: charts.equity_chart(eq, bench, max_points), "equity"),
        ),
        section(
            "drawdown", "Drawdown", _safe(lambda: charts.drawdown_chart(eq, bench, max_points), "drawdown")
        ),
        section(
            "price",
            "Price and trades",
            _safe(lambda: charts.price_chart(view.price, view.trades, max_points), "price"),
        ),
        section("monthly", "Monthly returns", _safe(lambda: tables.monthly_heatmap(eq), "monthly returns")),
        section(
            "metrics",
            "Metrics",
            _safe(lambda: tables.metrics_table(view.metrics, view.benchmark_metrics), "metrics"),
        ),
        section(
            "decisions",
            "Model decisions",
            _safe(lambda: charts.decisions_chart(view.decisions, max_points), "decisions"),
        ),
        section(
            "scars",
            "Scars",
            _safe(lambda: _join(charts.scars_chart(view.scars), tables.scars_table(view.scars)), "scars"),
        ),
    ]
    wf = view.walk_forward
    if wf is not None or view.kind == "walk-forward":
        folds = wf.folds if wf else ()
        parts.append(section("folds", "Walk-forward folds", _safe(lambda: tables.fold_table(folds), "folds")))
        parts.append(
            section(
                "oos",
                "Stitched out-of-sample equity",
                _safe(
                    lambda: charts.oos_chart(wf.oos_equity, folds, max_points) if wf else None,
                    "out-of-sample equity",
                ),
            )
        )
    ar = view.arena
    if ar is not None or view.kind == "arena":
        parts.append(
            section(
                "lineage",
                "Lineage tree",
                _safe(lambda: arena.lineage_tree(ar.edges) if ar else None, "lineage tree"),
            )
        )
        parts.append(
            section(
                "generations",
                "Population and fitness per generation",
                _safe(lambda: arena.fitness_chart(ar.generations) if ar else None, "generations"),
            )
        )
        parts.append(
            section(
                "scar-distribution-section",
                "Scars by severity",
                _safe(lambda: arena.scar_distribution(ar.scar_counts) if ar else None, "scars"),
            )
        )
    return page(esc(view.title), header(view), "".join(parts))


def _join(*parts: str | None) -> str | None:
    present = [p for p in parts if p]
    return "".join(present) or None
