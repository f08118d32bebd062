"""What a report needs from a run's event records: prices, fills, decisions, scars, folds, agents.

Record payloads follow the recorder's canonical form: NautilusTrader's ``to_dict`` fields for
``OrderFilled`` (``order_side``, ``last_px``, ``last_qty``, ``ts_event`` ns), dataclass fields for
Lineage events (``ModelDecision``, ``Scar``), ``Marks`` batches of bar closes. A malformed record
is counted in ``skipped`` and otherwise ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.eventlog import Record
from engine.reports.view import Decision, Fold, GenerationStats, LineageEdge, ScarMark, Trade, empty_series

_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def timestamp(value: object) -> pd.Timestamp | None:
    """ns integers or ISO strings as UTC timestamps; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    ts = pd.Timestamp(value, unit="ns", tz="UTC") if isinstance(value, int) else pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def _probabilities(value: object) -> tuple[float, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return tuple(float(p) for p in value or ())


@dataclass(slots=True)
class EventDigest:
    """The report-relevant contents of a log (mutable while it is being built)."""

    manifest: dict[str, Any] = field(default_factory=dict)
    price: pd.Series = field(default_factory=lambda: empty_series("close"))
    trades: tuple[Trade, ...] = ()
    decisions: tuple[Decision, ...] = ()
    scars: tuple[ScarMark, ...] = ()
    folds: tuple[Fold, ...] = ()
    edges: tuple[LineageEdge, ...] = ()
    fitness: dict[str, float] = field(default_factory=dict)
    skipped: int = 0

    @staticmethod
    def fold_from(row: Mapping[str, Any]) -> dict[str, Any] | None:
        """``Fold`` keyword arguments from a fold row/record, or ``None`` when it has no number."""
        try:
            return {
                "fold": int(row["fold"]),
                **{k: timestamp(row.get(k)) for k in ("train_start", "train_end", "test_start", "test_end")},
                "metrics": dict(row.get("metrics") or {}),
            }
        except _ERRORS:
            return None

    def generations(self) -> Iterable[GenerationStats]:
        """Population per generation from the spawned agents, with fitness where records gave it."""
        by_gen: dict[int, list[str]] = {}
        for edge in self.edges:
            by_gen.setdefault(edge.generation, []).append(edge.child)
        for gen in sorted(by_gen):
            scores = [self.fitness[a] for a in by_gen[gen] if a in self.fitness]
            best = max(scores) if scores else None
            mean = sum(scores) / len(scores) if scores else None
            yield GenerationStats(gen, len(by_gen[gen]), best, mean)


def digest_records(records: Iterable[Record]) -> EventDigest:
    """Collect the report's data from ``records`` (one pass, order kept)."""
    out = EventDigest()
    marks: dict[str, tuple[list[int], list[str]]] = {}
    trades, decisions, scars, folds, edges = [], [], [], [], []
    for record in records:
        data = record.data
        try:
            if record.kind == "RunStarted" and not out.manifest:
                out.manifest = dict(data)
            elif record.kind == "Marks":
                ts, close = marks.setdefault(str(data["bar_type"]), ([], []))
                if len(data["ts"]) != len(data["close"]):
                    raise ValueError("ts and close differ in length")
                ts.extend(int(t) for t in data["ts"])
                close.extend(data["close"])
            elif record.kind == "OrderFilled":
                trades.append(
                    Trade(
                        timestamp(data["ts_event"]),
                        str(data["order_side"]).upper(),
                        float(data["last_px"]),
                        float(data["last_qty"]),
                    )
                )
            elif record.kind == "ModelDecision":
                decisions.append(
                    Decision(
                        timestamp(data["ts_event"]),
                        str(data.get("action", "")),
                        float(data.get("confidence", 0.0)),
                        _probabilities(data.get("probabilities")),
                    )
                )
            elif record.kind == "Scar":
                scars.append(
                    ScarMark(
                        timestamp(data["ts_event"]),
                        str(data.get("agent_id", "")),
                        str(data.get("severity", "")),
                        float(data.get("loss_fraction", 0.0)),
                    )
                )
            elif record.kind == "FoldEnded":
                fold = EventDigest.fold_from(data)
                if fold is None:
                    raise ValueError("fold without a number")
                folds.append(Fold(**fold))
            elif record.kind == "AgentSpawned":
                # evolution writes ``parent_ids`` (two parents for a crossover child): one edge each
                parents = data.get("parent_ids") or [data.get("parent_id")]
                for parent in parents:
                    edges.append(
                        LineageEdge(
                            str(parent) if parent else None,
                            str(data["agent_id"]),
                            int(data.get("generation", 0)),
                        )
                    )
            elif record.kind in ("AgentDied", "AgentEvaluated") and data.get("fitness") is not None:
                out.fitness[str(data["agent_id"])] = float(data["fitness"])
        except _ERRORS:
            out.skipped += 1
    if marks:
        ts, close = marks[sorted(marks)[0]]
        price = pd.Series(
            pd.to_numeric(pd.Series(close, dtype="object"), errors="coerce").to_numpy(),
            index=pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)),
            name="close",
            dtype="float64",
        )
        out.price = price[~price.index.duplicated(keep="last")].sort_index()
    out.trades, out.decisions, out.scars = tuple(trades), tuple(decisions), tuple(scars)
    out.folds, out.edges = tuple(sorted(folds, key=lambda f: f.fold)), tuple(edges)
    return out
