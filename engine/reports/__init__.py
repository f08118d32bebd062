"""Run reports: a ``RunView`` of one run, rendered as one self-contained HTML page."""

from engine.reports.downsample import downsample, minmax_indices
from engine.reports.render import render_report
from engine.reports.view import (
    ArenaView,
    AuditStatus,
    Decision,
    Fold,
    GenerationStats,
    LineageEdge,
    RunView,
    ScarMark,
    Trade,
    WalkForwardView,
)

__all__ = [
    "ArenaView",
    "AuditStatus",
    "Decision",
    "Fold",
    "GenerationStats",
    "LineageEdge",
    "RunView",
    "ScarMark",
    "Trade",
    "WalkForwardView",
    "downsample",
    "minmax_indices",
    "render_report",
]
