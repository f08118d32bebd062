"""``load_run_view``: a ``RunView`` from a run directory, tolerant of missing parts.

Expected layout (``lineage backtest`` writes it): ``manifest.json`` (the ``RunStarted`` payload),
``metrics.json`` (``strategy``/``buy_and_hold`` metrics, ``chain_head``, ``engine`` figures with an
``equity_curve`` of ``{"ts": [ns], "equity": ["decimal"]}``), ``summary.txt`` (first line: title)
and ``events/`` (the hash-chained log). Assumed, until those runs exist: walk-forward runs add
``metrics.json["walk_forward"] = {"folds": [...], "oos_equity": {"ts", "equity"}}`` and/or
``FoldEnded`` records; arena runs add ``metrics.json["arena"] = {"generations": [...]}`` and
``AgentSpawned`` records (``agent_id``, ``parent_ids``, ``generation``). Anything absent is
simply left out of the view; only unreadable JSON or a path that is no run raises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import LineageError
from engine.eventlog import read_log, verify_log
from engine.metrics import buy_and_hold_equity
from engine.reports.events import EventDigest, digest_records
from engine.reports.files import RunDirError, read_json_file
from engine.reports.view import (
    RUN_KINDS,
    ArenaView,
    AuditStatus,
    Fold,
    GenerationStats,
    RunView,
    WalkForwardView,
    empty_series,
)

MANIFEST, METRICS, SUMMARY, EVENTS = "manifest.json", "metrics.json", "summary.txt", "events"


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` looks like a run directory (a manifest, metrics or event log inside)."""
    return path.is_dir() and any((path / name).exists() for name in (MANIFEST, METRICS, EVENTS))


def curve_series(curve: object, name: str = "equity") -> pd.Series:
    """``{"ts": [ns...], "value"|"equity": [...]}`` (or a list of pairs) as a float UTC Series."""
    if isinstance(curve, Mapping):
        ts = curve.get("ts") or []
        values = curve.get("equity", curve.get("value", [])) or []
    elif isinstance(curve, list) and all(isinstance(p, list | tuple) and len(p) == 2 for p in curve):
        ts, values = [p[0] for p in curve], [p[1] for p in curve]
    else:
        return empty_series(name)
    if not ts or len(ts) != len(values):
        return empty_series(name)
    index = pd.DatetimeIndex(pd.to_datetime(list(ts), utc=True))
    series = pd.Series(
        pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(),
        index=index,
        name=name,
        dtype="float64",
    )
    return series[~series.index.duplicated(keep="last")].sort_index()


def audit_status(events: Path, expected_head: str | None) -> tuple[AuditStatus, str | None]:
    """Verify the log's stored bytes; also compare its head with the head the run recorded."""
    if not events.is_dir():
        return AuditStatus("unknown", "no event log"), None
    report = verify_log(events)
    if not report.ok:
        problem = report.error or f"torn final record {report.torn_tail}"
        return AuditStatus("failed", problem), report.head
    if expected_head and expected_head != report.head:
        return AuditStatus(
            "failed", f"log head {report.head[:12]} differs from metrics.json {expected_head[:12]}"
        ), (report.head)
    return AuditStatus("ok", f"hash chain verified ({report.records} records)"), report.head


def _read_events(events: Path) -> tuple[EventDigest, str | None]:
    """Every readable record digested; a damaged log yields what came before the damage."""
    if not events.is_dir():
        return digest_records([]), None
    collected = []
    try:
        for record in read_log(events):
            collected.append(record)
    except LineageError as exc:
        return digest_records(collected), str(exc)
    return digest_records(collected), None


def _title(run_dir: Path, manifest: Mapping[str, Any]) -> str:
    summary = run_dir / SUMMARY
    if summary.is_file():
        first = summary.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if first and first[0].strip():
            return first[0].strip()
    strategy = (
        (manifest.get("strategy") or {}).get("name")
        if isinstance(manifest.get("strategy"), Mapping)
        else None
    )
    instrument = (
        (manifest.get("data") or {}).get("instrument_id")
        if isinstance(manifest.get("data"), Mapping)
        else None
    )
    return " on ".join(str(p) for p in (strategy, instrument) if p) or run_dir.name


def _fee_rate(manifest: Mapping[str, Any]) -> float:
    venue = manifest.get("venue") or {}
    for source in (
        (venue.get("fee_overrides") or {}).get("taker"),
        (venue.get("instrument") or {}).get("taker_fee"),
    ):
        try:
            if source is not None:
                return float(source)
        except (TypeError, ValueError):
            continue
    return 0.0


def _benchmark(price: pd.Series, equity: pd.Series, manifest: Mapping[str, Any]) -> pd.Series:
    if price.empty or equity.empty:
        return empty_series("buy_and_hold")
    close = price[price.index >= equity.index[0]]
    try:
        return buy_and_hold_equity(close, float(equity.iloc[0]), fee_rate=_fee_rate(manifest)).rename(
            "buy_and_hold"
        )
    except LineageError:
        return empty_series("buy_and_hold")


def _folds(metrics: Mapping[str, Any], digest: EventDigest) -> tuple[Fold, ...]:
    rows = (metrics.get("walk_forward") or {}).get("folds") or []
    folds = [Fold(**f) for f in (digest.fold_from(r) for r in rows if isinstance(r, Mapping)) if f]
    return tuple(folds) if folds else digest.folds


def _arena(metrics: Mapping[str, Any], digest: EventDigest) -> ArenaView | None:
    rows = (metrics.get("arena") or {}).get("generations") or []
    generations = []
    for row in rows:
        try:
            generations.append(
                GenerationStats(
                    int(row["generation"]),
                    int(row.get("population", 0)),
                    _num(row.get("best_fitness")),
                    _num(row.get("mean_fitness")),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    if not generations:
        generations = list(digest.generations())
    if not digest.edges and not generations:
        return None
    counts = Counter(s.severity.lower() for s in digest.scars)
    return ArenaView(digest.edges, tuple(generations), dict(counts))


def _num(value: object) -> float | None:
    try:
        return None if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def load_run_view(run_dir: str | Path) -> RunView:
    """Read ``run_dir`` into a ``RunView`` (see the module docstring for what is read)."""
    run_dir = Path(run_dir)
    if not is_run_dir(run_dir):
        raise RunDirError(
            f"{run_dir}: not a run directory (expected {MANIFEST}, {METRICS} or {EVENTS}/ inside)"
        )
    manifest = read_json_file(run_dir / MANIFEST)
    metrics = read_json_file(run_dir / METRICS)
    digest, read_error = _read_events(run_dir / EVENTS)
    manifest = manifest or digest.manifest
    recorded_head = metrics.get("chain_head") if isinstance(metrics.get("chain_head"), str) else None
    audit, head = audit_status(run_dir / EVENTS, recorded_head)
    if read_error and audit.state == "ok":
        audit = AuditStatus("failed", read_error)
    engine_figures = metrics.get("engine") if isinstance(metrics.get("engine"), Mapping) else {}
    equity = curve_series(engine_figures.get("equity_curve", metrics.get("equity_curve")), "equity")
    price, trades = digest.price, digest.trades
    evaluated_from = _evaluation_start(metrics)
    if evaluated_from is not None:  # warm-up history before the evaluated window is not shown
        equity, price = equity[equity.index >= evaluated_from], price[price.index >= evaluated_from]
        trades = [t for t in trades if t.ts >= evaluated_from]
    wf_raw = metrics.get("walk_forward") if isinstance(metrics.get("walk_forward"), Mapping) else {}
    folds = _folds(metrics, digest)
    oos = curve_series(wf_raw.get("oos_equity"), "equity")
    walk_forward = WalkForwardView(folds, oos) if folds or not oos.empty else None
    arena = _arena(metrics, digest)
    kind = manifest.get("kind") or metrics.get("kind")
    if kind not in RUN_KINDS:
        kind = "walk-forward" if walk_forward else "arena" if arena else "backtest"
    details = {"run": run_dir.name}
    if digest.skipped:
        details["skipped records"] = str(digest.skipped)
    return RunView(
        title=_title(run_dir, manifest),
        kind=kind,
        chain_head=head or recorded_head,
        audit=audit,
        metrics=_flat(metrics.get("strategy")),
        benchmark_metrics=_flat(metrics.get("buy_and_hold")),
        equity=equity,
        benchmark_equity=_benchmark(price, equity, manifest),
        price=price,
        trades=trades,
        decisions=digest.decisions,
        scars=digest.scars,
        walk_forward=walk_forward,
        arena=arena,
        details=details,
    )


def _evaluation_start(metrics: Mapping[str, object]) -> pd.Timestamp | None:
    """Start of the evaluated window when the run was fed warm-up history before it."""
    strategy = metrics.get("strategy")
    start = strategy.get("start") if isinstance(strategy, Mapping) else None
    try:
        return pd.Timestamp(start) if isinstance(start, str) else None
    except ValueError:
        return None


def _flat(value: object) -> dict[str, object]:
    return dict(value) if isinstance(value, Mapping) else {}
