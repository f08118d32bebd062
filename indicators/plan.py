"""Group a feature set into core jobs: one TA-Lib (or kind) call serves every feature that shares it.

Features share a job when their kinds use the same ``core`` object with the same parameters and the
same window rule (mode, warm-up, block), e.g. MACD line/signal/hist or Bollinger %B and width. Batch
and streaming both run each job once and hand its arrays to every member, so sharing changes no value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indicators.library.registry import Kind
from indicators.spec import FeatureSet


@dataclass
class Member:
    """One feature served by a job: its column in the feature matrix and its kind."""

    column: int
    kind: Kind
    params: tuple[Any, ...]
    warmup: int


@dataclass
class Job:
    """One core computation: ``kind.core(bars, *params)`` over the feature's window rule.

    ``mode`` is the kinds' mode; ``block`` and ``phase`` place the anchors (``anchored``, see
    ``FeatureSpec.anchor``) and ``tail`` is the rows a ``pointwise`` value depends on (lookback + 1).
    """

    kind: Kind
    params: tuple[Any, ...]
    mode: str
    warmup: int
    block: int
    tail: int
    phase: int = 0
    members: list[Member] = field(default_factory=list)


def plan_jobs(feature_set: FeatureSet) -> list[Job]:
    """Jobs in order of first appearance; ``mtf`` features always get a job of their own."""
    jobs: list[Job] = []
    index: dict[tuple, Job] = {}
    for col, f in enumerate(feature_set.features):
        k = f.kind_def
        block = f.block if k.mode == "anchored" else 0
        member = Member(col, k, f.params, f.warmup)
        key = (id(k.core), f.params, k.mode, f.warmup, block, f.phase)
        job = None if k.mode == "mtf" else index.get(key)
        if job is None:
            job = Job(k, f.params, k.mode, f.warmup, block, f.lookback + 1, f.phase)
            jobs.append(job)
            if k.mode != "mtf":
                index[key] = job
        job.members.append(member)
    return jobs
