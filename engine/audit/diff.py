"""Backtest/paper parity: compare two runs' decision, fill and PnL streams, from their logs alone.

Streams (each in log order):

- ``decision``: ``ModelDecision`` records — time (bar close), action, model, probabilities;
- ``order``: ``OrderInitialized`` records — side, quantity, order type (the strategy's decisions
  to trade; a strategy without ``ModelDecision`` events decides only through these);
- ``fill``: ``OrderFilled`` — side, quantity, price, commission;
- ``pnl``: ``PositionClosed`` — realised PnL per closed position cycle.

Order ids, event ids and order timestamps are not compared: a live node stamps orders with its own
clock and names them from it. Two runs are at parity when the decision and order streams match;
the first fill or PnL difference is reported too (a backtest fills on bars, a paper venue on ticks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import LineageError
from engine.eventlog import Record, read_log

STREAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "decision": ("ModelDecision", ("ts_event", "action", "model_id", "probabilities")),
    "order": ("OrderInitialized", ("side", "quantity", "order_type", "time_in_force", "reduce_only")),
    "fill": ("OrderFilled", ("order_side", "last_qty", "last_px", "commission")),
    "pnl": ("PositionClosed", ("realized_pnl",)),
}
DECISION_STREAMS = ("decision", "order")


@dataclass(frozen=True)
class Divergence:
    """The first item where two streams differ (``a``/``b`` None when one stream ended)."""

    stream: str
    index: int
    field: str
    a: Any
    b: Any
    a_seq: int | None
    b_seq: int | None

    def describe(self) -> str:
        """One line naming the item, the field and both sides' values."""
        where = f"A record {self.a_seq}, B record {self.b_seq}"
        return (
            f"first divergent {self.stream} #{self.index}: {self.field}: A={self.a!r} B={self.b!r} ({where})"
        )


@dataclass
class DiffReport:
    """The first divergence per stream and the stream lengths."""

    run_a: str
    run_b: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    divergences: dict[str, Divergence] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the decision streams (``decision`` and ``order``) match."""
        return not any(s in self.divergences for s in DECISION_STREAMS)

    def render(self) -> str:
        """Human-readable report."""
        lines = [f"diff {self.run_a} {self.run_b}: {'decisions match' if self.ok else 'DECISIONS DIFFER'}"]
        for name, (na, nb) in self.counts.items():
            div = self.divergences.get(name)
            lines.append(f"{name}: A={na} B={nb} " + (div.describe() if div else "same"))
        return "\n".join(lines)


def log_dir_of(run: str | Path) -> Path:
    """The event log of a backtest (``events/``) or paper (``log/``) run directory, or a log dir."""
    run = Path(run)
    for candidate in (run / "events", run / "log", run):
        if candidate.is_dir() and any(candidate.glob("*.seg")):
            return candidate
    raise LineageError(f"{run}: no event log found (expected {run}/events or {run}/log with *.seg files)")


def streams(records: Iterable[Record]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """``(record seq, compared fields)`` per stream."""
    by_kind = {kind: (name, fields) for name, (kind, fields) in STREAMS.items()}
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {name: [] for name in STREAMS}
    for rec in records:
        hit = by_kind.get(rec.kind)
        if hit is not None:
            name, fields = hit
            out[name].append((rec.seq, {f: rec.data.get(f) for f in fields}))
    return out


def first_divergence(
    name: str, a: list[tuple[int, dict[str, Any]]], b: list[tuple[int, dict[str, Any]]], prefix: bool
) -> Divergence | None:
    """The first differing item of two streams; with ``prefix`` a shorter stream is no divergence."""
    for i, ((sa, da), (sb, db)) in enumerate(zip(a, b)):  # noqa: B905 - lengths compared below
        for key in da:
            if da[key] != db.get(key):
                return Divergence(name, i, key, da[key], db.get(key), sa, sb)
    if len(a) != len(b) and not prefix:
        i = min(len(a), len(b))
        longer_a = len(a) > len(b)
        item = (a if longer_a else b)[i]
        return Divergence(
            name,
            i,
            "(missing)",
            item[1] if longer_a else None,
            None if longer_a else item[1],
            item[0] if longer_a else None,
            None if longer_a else item[0],
        )
    return None


def diff_runs(run_a: str | Path, run_b: str | Path, *, prefix: bool = False) -> DiffReport:
    """Compare two runs' streams; ``prefix`` compares only as far as the shorter run got."""
    sa = streams(read_log(log_dir_of(run_a)))
    sb = streams(read_log(log_dir_of(run_b)))
    report = DiffReport(str(run_a), str(run_b))
    for name in STREAMS:
        report.counts[name] = (len(sa[name]), len(sb[name]))
        div = first_divergence(name, sa[name], sb[name], prefix)
        if div is not None:
            report.divergences[name] = div
    return report
