"""Inline SVG building blocks: a time/value frame with axes, polyline paths and markers.

Everything returned is SVG markup text; callers escape their own labels with ``esc``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

WIDTH = 1100
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 20, 14, 28


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes included, safe in attributes)."""
    return html.escape(str(value), quote=True)


def seconds(index: pd.DatetimeIndex | Sequence[pd.Timestamp]) -> np.ndarray:
    """Timestamps as float seconds since the epoch (UTC)."""
    idx = pd.DatetimeIndex(index)
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    return idx.asi8.astype(np.float64) / 1e9


@dataclass(frozen=True, slots=True)
class Frame:
    """Plot area and data ranges; maps data to pixels (y grows downwards)."""

    height: int
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    width: int = WIDTH

    @classmethod
    def fit(cls, xs: Iterable[np.ndarray], ys: Iterable[np.ndarray], height: int, pad: float = 0.04) -> Frame:
        """A frame covering every finite value in ``xs``/``ys`` (with a little vertical padding)."""
        x_all = np.concatenate([np.asarray(x, dtype=float) for x in xs] or [np.zeros(0)])
        y_all = np.concatenate([np.asarray(y, dtype=float) for y in ys] or [np.zeros(0)])
        x_all, y_all = x_all[np.isfinite(x_all)], y_all[np.isfinite(y_all)]
        x0, x1 = (float(x_all.min()), float(x_all.max())) if len(x_all) else (0.0, 1.0)
        y0, y1 = (float(y_all.min()), float(y_all.max())) if len(y_all) else (0.0, 1.0)
        if x1 <= x0:
            x0, x1 = x0 - 1.0, x1 + 1.0
        if y1 <= y0:
            span = abs(y0) * 0.01 or 1.0
            y0, y1 = y0 - span, y1 + span
        margin = (y1 - y0) * pad
        return cls(height, x0, x1, y0 - margin, y1 + margin)

    @property
    def left(self) -> float:
        return MARGIN_LEFT

    @property
    def right(self) -> float:
        return self.width - MARGIN_RIGHT

    @property
    def top(self) -> float:
        return MARGIN_TOP

    @property
    def bottom(self) -> float:
        return self.height - MARGIN_BOTTOM

    def px(self, x: np.ndarray | float) -> np.ndarray:
        """Data x -> pixel x."""
        return self.left + (np.asarray(x, dtype=float) - self.x_min) / (self.x_max - self.x_min) * (
            self.right - self.left
        )

    def py(self, y: np.ndarray | float) -> np.ndarray:
        """Data y -> pixel y."""
        return self.bottom - (np.asarray(y, dtype=float) - self.y_min) / (self.y_max - self.y_min) * (
            self.bottom - self.top
        )


def path_d(frame: Frame, xs: np.ndarray, ys: np.ndarray) -> str:
    """Path data through the points; NaN values break the line."""
    px, py = frame.px(xs), frame.py(ys)
    parts: list[str] = []
    pen_down = False
    for x, y in zip(px, py, strict=True):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
    return "".join(parts)


def line(frame: Frame, xs: np.ndarray, ys: np.ndarray, css: str, label: str) -> str:
    """One series as a ``<path class="series ...">`` with its point count in ``data-points``."""
    d = path_d(frame, xs, ys)
    return (
        f'<path class="series {esc(css)}" data-points="{len(xs)}" d="{d}"><title>{esc(label)}</title></path>'
    )


def area(frame: Frame, xs: np.ndarray, ys: np.ndarray, css: str, baseline: float = 0.0) -> str:
    """A filled area between the series and ``baseline`` (used for drawdown)."""
    if len(xs) == 0:
        return ""
    d = path_d(frame, xs, ys)
    x0, x1 = frame.px(xs[0]), frame.px(xs[-1])
    yb = frame.py(baseline)
    close = f"L{x1:.1f},{yb:.1f}L{x0:.1f},{yb:.1f}Z"
    return f'<path class="area {esc(css)}" data-points="{len(xs)}" d="{d}{close}"/>'


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values between ``lo`` and ``hi``."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def time_label(seconds_value: float, span: float) -> str:
    """A date (or date and time for short spans) for an x tick."""
    ts = pd.Timestamp(seconds_value, unit="s", tz="UTC")
    return ts.strftime("%Y-%m-%d %H:%M" if span < 3 * 86400 else "%Y-%m-%d")


def axes(frame: Frame, y_format: Callable[[float], str], time_axis: bool = True) -> str:
    """Grid lines and tick labels for both axes."""
    out = [
        f'<g class="axes"><rect class="plot-bg" x="{frame.left}" y="{frame.top}" '
        f'width="{frame.right - frame.left}" height="{frame.bottom - frame.top}"/>'
    ]
    for value in nice_ticks(frame.y_min, frame.y_max):
        y = float(frame.py(value))
        out.append(f'<line class="grid" x1="{frame.left}" x2="{frame.right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick y" x="{frame.left - 6}" y="{y + 4:.1f}">{esc(y_format(value))}</text>')
    span = frame.x_max - frame.x_min
    for i in range(6):
        xv = frame.x_min + span * i / 5
        x = float(frame.px(xv))
        label = time_label(xv, span) if time_axis else f"{xv:g}"
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        out.append(
            f'<text class="tick x" text-anchor="{anchor}" x="{x:.1f}" y="{frame.bottom + 18}">'
            f"{esc(label)}</text>"
        )
    out.append("</g>")
    return "".join(out)


def svg(chart_id: str, frame: Frame, body: Iterable[str], label: str, time_axis: bool = True) -> str:
    """Wrap chart layers in a responsive ``<svg id=...>`` with an accessible label; time charts
    carry their x range (``data-t0/t1`` seconds, ``data-x0/x1`` pixels) for the hover crosshair."""
    inner = "".join(body)
    span = (
        f'data-t0="{frame.x_min:.3f}" data-t1="{frame.x_max:.3f}" '
        f'data-x0="{frame.left}" data-x1="{frame.right}" '
        if time_axis
        else ""
    )
    return (
        f'<svg id="{esc(chart_id)}" class="chart" {span}viewBox="0 0 {frame.width} {frame.height}" '
        f'role="img" aria-label="{esc(label)}" preserveAspectRatio="xMidYMid meet">{inner}</svg>'
    )


def legend(items: Sequence[tuple[str, str]]) -> str:
    """An HTML legend: (css class, label) swatches."""
    spans = "".join(
        f'<span class="legend-item"><i class="swatch {esc(c)}"></i>{esc(t)}</span>' for c, t in items
    )
    return f'<div class="legend">{spans}</div>'


def pct(value: float) -> str:
    """Format a fraction as a percentage tick."""
    return f"{value * 100:.1f}%"


def num(value: float) -> str:
    """Format a plain number tick compactly (small prices keep their significant digits)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
