"""render_report: expected elements, escaping, empty sections, walk-forward and arena parts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.reports import (
    ArenaView,
    AuditStatus,
    Fold,
    GenerationStats,
    LineageEdge,
    RunView,
    ScarMark,
    Trade,
    WalkForwardView,
    render_report,
)
from engine.reports.loader import load_run_view
from tests.reports.runfixture import RunFixture, orcl_close


def points(html_text: str, element_id: str, css: str) -> int:
    svg = re.search(rf'<svg id="{element_id}".*?</svg>', html_text, re.S)
    assert svg, f"{element_id} missing"
    match = re.search(rf'class="series {css}" data-points="(\d+)" d="([^"]*)"', svg.group(0))
    assert match, f"{css} path missing in {element_id}"
    assert match.group(2).count("L") == int(match.group(1)) - 1
    return int(match.group(1))


def test_full_report_of_a_real_run(eth_run: RunFixture) -> None:
    page = render_report(load_run_view(eth_run.path))
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched from the network
    assert 1000 < points(page, "equity-chart", "strategy") <= 4000  # down-sampled from 5,760 bars
    assert points(page, "equity-chart", "benchmark") > 1000
    assert points(page, "price-chart", "price") > 1000
    assert page.count('class="trade-marker buy"') + page.count('class="trade-marker sell"') == eth_run.fills
    assert page.count('class="scar-marker ') == eth_run.scars
    counts = [
        int(n)
        for n in re.findall(r'class="decision-dots [^"]*" data-action="[^"]*" data-count="(\d+)"', page)
    ]
    assert sum(counts) == eth_run.decisions
    assert 'id="metrics-table"' in page and page.count('class="heat-cell"') == 1  # Jan 2018 only
    assert eth_run.head in page and 'class="audit ok"' in page


def test_heatmap_has_one_cell_per_calendar_month(orcl_run: RunFixture) -> None:
    page = render_report(load_run_view(orcl_run.path))
    cells = re.findall(r'class="heat-cell" data-month="(\d{4}-\d\d)" data-return="([^"]+)"', page)
    assert len(cells) == 36 and cells[0][0] == "2009-01" and cells[-1][0] == "2011-12"
    close = orcl_close()
    equity = load_run_view(orcl_run.path).equity
    month_end = equity.resample("ME").last()
    assert float(cells[1][1]) == pytest.approx(month_end.iloc[1] / month_end.iloc[0] - 1, rel=1e-5)
    assert len(close) == len(equity)


def test_empty_view_says_no_data_and_never_crashes() -> None:
    page = render_report(RunView(title="empty"))
    for section in ("equity", "drawdown", "price", "monthly", "metrics", "decisions", "scars"):
        assert re.search(rf'<section id="{section}"><h2>[^<]*</h2><p class="no-data">no data</p>', page)
    assert 'class="audit unknown"' in page and "<svg" not in page
    assert 'id="folds"' not in page and 'id="lineage"' not in page


def test_odd_data_degrades_to_a_note() -> None:
    idx = pd.date_range("2021-01-01", periods=3, freq="D", tz="UTC")
    view = RunView(
        title="odd",
        equity=pd.Series([0.0, -1.0, np.nan], index=idx),
        trades=(Trade(idx[0], "BUY", 1.0, 1.0),),
    )
    page = render_report(view)
    assert 'id="equity-chart"' in page and 'class="trade-marker buy"' in page
    assert '<section id="monthly"><h2>Monthly returns</h2><p class="no-data">' in page


@settings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=40))
def test_every_text_is_escaped(text: str) -> None:
    hostile = f"<script>alert(1)</script>{text}\"'&"
    ts = pd.Timestamp("2022-01-01", tz="UTC")
    view = RunView(
        title=hostile,
        chain_head=hostile,
        audit=AuditStatus("failed", hostile),
        metrics={hostile: hostile},
        scars=(ScarMark(ts, hostile, hostile, 0.1),),
        details={hostile: hostile},
        arena=ArenaView((LineageEdge(None, hostile, 0),), (), {hostile: 1}),
    )
    page = render_report(view)
    assert "<script>alert" not in page
    assert page.count("<script>") == 1  # only our own inline script
    body = page.split("<body", 1)[1]
    assert "\"'" not in re.sub(r"<script>.*</script>", "", body, flags=re.S).replace('\\"', "")


def test_walk_forward_and_arena_sections() -> None:
    idx = pd.date_range("2020-01-01", periods=300, freq="D", tz="UTC")
    oos = pd.Series(np.linspace(100, 130, 300), index=idx)
    folds = tuple(
        Fold(
            i,
            idx[0],
            idx[i * 100],
            idx[i * 100],
            idx[min(299, i * 100 + 99)],
            {"sharpe": 0.5 * i, "total_return": 0.01 * i},
        )
        for i in range(3)
    )
    edges = (
        LineageEdge(None, "a", 0),
        LineageEdge(None, "b", 0),
        LineageEdge("a", "c", 1),
        LineageEdge("a", "d", 1),
        LineageEdge("c", "e", 2),
    )
    gens = (GenerationStats(0, 2, 1.0, 0.5), GenerationStats(1, 2, 1.5, 0.9), GenerationStats(2, 1, 2.0, 2.0))
    view = RunView(
        title="wf",
        kind="arena",
        walk_forward=WalkForwardView(folds, oos),
        arena=ArenaView(edges, gens, {"light": 4, "severe": 1}),
    )
    page = render_report(view)
    assert page.count('class="fold-row"') == 3 and 'id="oos-chart"' in page
    assert page.count('class="fold-boundary"') == 3
    assert page.count('class="lineage-node"') == 5 and page.count('class="lineage-edge"') == 3
    assert page.count('class="population-bar"') == 3
    assert re.search(r'class="scar-bar light" data-count="4"', page)
    assert 'id="fitness-chart"' in page and 'id="scar-distribution"' in page
