"""Time-series charts of a run: equity vs buy-and-hold, drawdown, price with trades, model
decisions, scars and the stitched out-of-sample curve. Each returns SVG/HTML text or ``None``
when it has nothing to draw."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.reports.downsample import DEFAULT_MAX_POINTS, downsample
from engine.reports.svg import Frame, area, axes, esc, legend, line, num, pct, seconds, svg
from engine.reports.view import Decision, Fold, ScarMark, Trade

MAX_DOTS = 20_000


def _finite(series: pd.Series) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    return values[np.isfinite(values.to_numpy())]


def equity_chart(equity: pd.Series, benchmark: pd.Series, max_points: int = DEFAULT_MAX_POINTS) -> str | None:
    """Strategy equity against buy-and-hold (same currency)."""
    curves = [
        (s, css, label)
        for s, css, label in (
            (_finite(equity), "strategy", "Strategy equity"),
            (_finite(benchmark), "benchmark", "Buy & hold equity"),
        )
        if len(s)
    ]
    if not curves:
        return None
    sampled = [(downsample(s, max_points), css, label) for s, css, label in curves]
    frame = Frame.fit([seconds(s.index) for s, _, _ in sampled], [s.to_numpy() for s, _, _ in sampled], 360)
    body = [axes(frame, num)] + [
        line(frame, seconds(s.index), s.to_numpy(), css, label) for s, css, label in sampled
    ]
    return legend([(css, label) for _, css, label in sampled]) + svg(
        "equity-chart", frame, body, "Equity curve"
    )


def drawdown(equity: pd.Series) -> pd.Series:
    """Drawdown from the running peak as a non-positive fraction (NaN where the peak is <= 0)."""
    eq = _finite(equity)
    peak = eq.cummax()
    return (eq / peak.where(peak > 0) - 1.0).rename("drawdown")


def drawdown_chart(
    equity: pd.Series, benchmark: pd.Series, max_points: int = DEFAULT_MAX_POINTS
) -> str | None:
    """Strategy drawdown (filled) with buy-and-hold drawdown as a line."""
    dd = drawdown(equity).dropna()
    if dd.empty:
        return None
    bench = drawdown(benchmark).dropna()
    dd_s, bench_s = downsample(dd, max_points), downsample(bench, max_points)
    frame = Frame.fit(
        [seconds(dd_s.index), seconds(bench_s.index)],
        [dd_s.to_numpy(), bench_s.to_numpy(), [0.0]],
        220,
        pad=0.02,
    )
    body = [
        axes(frame, pct),
        area(frame, seconds(dd_s.index), dd_s.to_numpy(), "drawdown"),
        line(frame, seconds(dd_s.index), dd_s.to_numpy(), "drawdown-line", "Strategy drawdown"),
    ]
    items = [("drawdown", "Strategy drawdown")]
    if len(bench_s):
        body.append(
            line(frame, seconds(bench_s.index), bench_s.to_numpy(), "benchmark", "Buy & hold drawdown")
        )
        items.append(("benchmark", "Buy & hold drawdown"))
    return legend(items) + svg("drawdown-chart", frame, body, "Drawdown")


def _trade_marker(frame: Frame, trade: Trade) -> str:
    x, y = float(frame.px(seconds([trade.ts])[0])), float(frame.py(trade.price))
    side = "buy" if trade.side.upper() == "BUY" else "sell"
    shape = f"M{x:.1f},{y:.1f}l-5,9h10z" if side == "buy" else f"M{x:.1f},{y:.1f}l-5,-9h10z"
    tip = f"{trade.side} {trade.qty:g} @ {trade.price:g} — {trade.ts.isoformat()}"
    return f'<g class="trade-marker {side}"><path d="{shape}"/><title>{esc(tip)}</title></g>'


def price_chart(
    price: pd.Series, trades: Sequence[Trade], max_points: int = DEFAULT_MAX_POINTS
) -> str | None:
    """Close price with a triangle per fill (up: buy, below the price; down: sell, above it)."""
    close = downsample(_finite(price), max_points)
    if close.empty and not trades:
        return None
    trade_x, trade_y = seconds([t.ts for t in trades]), np.array([t.price for t in trades], dtype=float)
    frame = Frame.fit([seconds(close.index), trade_x], [close.to_numpy(), trade_y], 360)
    body = [axes(frame, num)]
    if len(close):
        body.append(line(frame, seconds(close.index), close.to_numpy(), "price", "Close"))
    body.append(f'<g class="trades" data-count="{len(trades)}">')
    body.extend(_trade_marker(frame, t) for t in trades)
    body.append("</g>")
    buys = sum(t.side.upper() == "BUY" for t in trades)
    items = [("price", "Close"), ("buy", f"Buy ({buys})"), ("sell", f"Sell ({len(trades) - buys})")]
    return legend(items) + svg("price-chart", frame, body, "Price with trades")


def _dots(frame: Frame, xs: np.ndarray, ys: np.ndarray) -> str:
    px, py = frame.px(xs), frame.py(ys)
    return "".join(f"M{x:.1f},{y:.1f}h0" for x, y in zip(px, py, strict=True))


def decisions_chart(decisions: Sequence[Decision], max_points: int = DEFAULT_MAX_POINTS) -> str | None:
    """Confidence over time, one dot per decision coloured by action, plus action counts."""
    if not decisions:
        return None
    xs = seconds([d.ts for d in decisions])
    conf = np.array([d.confidence for d in decisions], dtype=float)
    actions = np.array([d.action.upper() or "NONE" for d in decisions])
    frame = Frame.fit([xs], [conf, [0.0, 1.0]], 260, pad=0.02)
    body = [axes(frame, num)]
    trend = downsample(pd.Series(conf, index=pd.to_datetime(xs, unit="s", utc=True)), max_points)
    body.append(line(frame, seconds(trend.index), trend.to_numpy(), "confidence", "Confidence"))
    counts: list[tuple[str, int]] = []
    for action in sorted(set(actions)):
        mask = actions == action
        stride = max(1, -(-int(mask.sum()) // MAX_DOTS))
        d = _dots(frame, xs[mask][::stride], conf[mask][::stride])
        css = f"act-{action.lower()}"
        body.append(
            f'<path class="decision-dots {esc(css)}" data-action="{esc(action)}" '
            f'data-count="{int(mask.sum())}" d="{d}"/>'
        )
        counts.append((action, int(mask.sum())))
    items = [("confidence", "Confidence")] + [(f"act-{a.lower()}", f"{a} ({n})") for a, n in counts]
    return legend(items) + svg("decisions-chart", frame, body, "Model decisions and confidence")


def scars_chart(scars: Sequence[ScarMark]) -> str | None:
    """Scars over time at their loss fraction, sized and coloured by severity."""
    if not scars:
        return None
    xs = seconds([s.ts for s in scars])
    ys = np.array([s.loss_fraction for s in scars], dtype=float)
    frame = Frame.fit([xs], [ys, [0.0]], 220)
    body = [axes(frame, pct)]
    radius = {"light": 3.5, "moderate": 5.0, "severe": 7.0}
    for scar, x, y in zip(scars, frame.px(xs), frame.py(ys), strict=True):
        sev = scar.severity.lower()
        tip = f"{scar.agent}: {scar.severity} scar, loss {scar.loss_fraction:.2%} — {scar.ts.isoformat()}"
        body.append(
            f'<g class="scar-marker {esc(sev)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius.get(sev, 4.0)}"/><title>{esc(tip)}</title></g>'
        )
    items = [(sev, sev) for sev in ("light", "moderate", "severe")]
    return legend(items) + svg("scars-chart", frame, body, "Scars timeline")


def oos_chart(oos: pd.Series, folds: Sequence[Fold], max_points: int = DEFAULT_MAX_POINTS) -> str | None:
    """Stitched out-of-sample equity with a dashed line at each fold's test start."""
    curve = downsample(_finite(oos), max_points)
    if curve.empty:
        return None
    frame = Frame.fit([seconds(curve.index)], [curve.to_numpy()], 300)
    body = [
        axes(frame, num),
        line(frame, seconds(curve.index), curve.to_numpy(), "strategy", "Out-of-sample equity"),
    ]
    for fold in folds:
        if fold.test_start is None:
            continue
        x = float(frame.px(seconds([fold.test_start])[0]))
        if frame.left <= x <= frame.right:
            body.append(
                f'<line class="fold-boundary" data-fold="{fold.fold}" x1="{x:.1f}" x2="{x:.1f}" '
                f'y1="{frame.top}" y2="{frame.bottom}"><title>fold {fold.fold}</title></line>'
            )
    return legend([("strategy", "Stitched out-of-sample equity")]) + svg(
        "oos-chart", frame, body, "OOS equity"
    )
