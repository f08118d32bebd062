"""Arena charts: the lineage tree, population and fitness per generation, scars by severity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.reports.svg import WIDTH, Frame, axes, esc, legend, line, num, svg
from engine.reports.view import SEVERITIES, GenerationStats, LineageEdge

MAX_TREE_NODES = 2000


def lineage_tree(edges: Sequence[LineageEdge]) -> str | None:
    """Agents laid out in columns by generation, each joined to its parent."""
    if not edges:
        return None
    edges = list(edges)[:MAX_TREE_NODES]
    generation: dict[str, int] = {}
    columns: dict[int, list[str]] = {}
    for edge in edges:
        if edge.child not in generation:
            generation[edge.child] = edge.generation
            columns.setdefault(edge.generation, []).append(edge.child)
    gens = sorted(columns)
    tallest = max(len(v) for v in columns.values())
    height = int(min(900, max(160, 40 + tallest * 18)))
    x_of = {g: 60 + (WIDTH - 120) * (i / max(1, len(gens) - 1)) for i, g in enumerate(gens)}
    pos: dict[str, tuple[float, float]] = {}
    for g, agents in columns.items():
        step = (height - 40) / max(1, len(agents))
        for j, agent in enumerate(agents):
            pos[agent] = (x_of[g], 20 + step * (j + 0.5))
    body = []
    for edge in edges:
        if edge.parent in pos and edge.child in pos:
            (x1, y1), (x2, y2) = pos[edge.parent], pos[edge.child]
            body.append(
                f'<line class="lineage-edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
            )
    for agent, (x, y) in pos.items():
        body.append(
            f'<g class="lineage-node" data-generation="{generation[agent]}"><circle cx="{x:.1f}" '
            f'cy="{y:.1f}" r="4"/><title>{esc(agent)} (generation {generation[agent]})</title></g>'
        )
    for g in gens:
        body.append(
            f'<text class="tick x" text-anchor="middle" x="{x_of[g]:.1f}" y="{height - 4}">gen {g}</text>'
        )
    frame = Frame(height, 0, 1, 0, 1)
    return svg("lineage-tree", frame, body, "Lineage tree", time_axis=False)


def fitness_chart(generations: Sequence[GenerationStats]) -> str | None:
    """Best and mean fitness per generation, with the population size as bars behind them."""
    if not generations:
        return None
    gens = np.array([g.generation for g in generations], dtype=float)
    best = np.array([np.nan if g.best_fitness is None else g.best_fitness for g in generations], dtype=float)
    mean = np.array([np.nan if g.mean_fitness is None else g.mean_fitness for g in generations], dtype=float)
    frame = Frame.fit([gens - 0.5, gens + 0.5], [best, mean], 280)
    body = [axes(frame, num, time_axis=False)]
    top = max(1, max(g.population for g in generations))
    width = max(2.0, float(frame.px(1.0) - frame.px(0.0)) * 0.6)
    for g in generations:
        h = (frame.bottom - frame.top) * g.population / top
        x = float(frame.px(g.generation)) - width / 2
        body.append(
            f'<rect class="population-bar" data-generation="{g.generation}" data-population="{g.population}" '
            f'x="{x:.1f}" y="{frame.bottom - h:.1f}" width="{width:.1f}" height="{h:.1f}">'
            f"<title>generation {g.generation}: population {g.population}</title></rect>"
        )
    body.append(line(frame, gens, best, "best-fitness", "Best fitness"))
    body.append(line(frame, gens, mean, "mean-fitness", "Mean fitness"))
    items = [
        ("best-fitness", "Best fitness"),
        ("mean-fitness", "Mean fitness"),
        ("population-bar", f"Population (max {top})"),
    ]
    return legend(items) + svg(
        "fitness-chart", frame, body, "Population and fitness per generation", time_axis=False
    )


def scar_distribution(counts: Mapping[str, int]) -> str | None:
    """Bars: number of scars of each severity (known severities first)."""
    if not counts or not any(counts.values()):
        return None
    order = [s for s in SEVERITIES if s in counts] + sorted(s for s in counts if s not in SEVERITIES)
    top = max(counts.values())
    frame = Frame(40 + 30 * len(order), 0, 1, 0, 1)
    body = []
    for i, severity in enumerate(order):
        y = 16 + 30 * i
        w = (frame.right - frame.left) * counts[severity] / top
        body.append(
            f'<text class="tick y" x="{frame.left - 6}" y="{y + 15}">{esc(severity)}</text>'
            f'<rect class="scar-bar {esc(severity)}" data-count="{counts[severity]}" x="{frame.left}" '
            f'y="{y}" width="{w:.1f}" height="20"/><text class="bar-label" x="{frame.left + w + 6:.1f}" '
            f'y="{y + 15}">{counts[severity]}</text>'
        )
    return legend([(s, s) for s in order]) + svg(
        "scar-distribution", frame, body, "Scars by severity", time_axis=False
    )
