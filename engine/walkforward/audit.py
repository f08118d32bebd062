"""Audit a walk-forward run: the top-level log, every fold's log, and that each fold chain head
recorded in the top-level log is the head of that fold's own verified log. For a fold with a
nested search: every planned trial is logged, the best is recomputed from the trials, and the
traded model (``ModelTrained`` and its card) carries that trial's parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.audit.problems import ProblemReport, log_problem, verified_records
from engine.errors import LineageError
from engine.eventlog import Record, read_log, verify_log
from engine.models import ModelCatalog
from engine.walkforward.fold_task import EVENTS as FOLD_EVENTS
from engine.walkforward.fold_task import FOLDS_DIR
from engine.walkforward.runner import EVENTS, read_manifest
from engine.walkforward.search import best_trial


@dataclass
class WalkForwardAudit(ProblemReport):
    """Outcome of ``audit_walk_forward``; ``ok`` when every log verifies and every head matches."""

    run_dir: str
    head: str | None = None
    records: int = 0
    folds_checked: int = 0
    problems: list[str] = field(default_factory=list)


def audit_walk_forward(run_dir: str | Path) -> WalkForwardAudit:
    """Verify ``run_dir`` (a folder written by ``walk_forward``); problems name log and record."""
    run_dir = Path(run_dir)
    report = WalkForwardAudit(run_dir=str(run_dir))
    manifest = read_manifest(run_dir)
    records = verified_records(run_dir / EVENTS, report)
    if records is None:
        return report
    kinds = [r.kind for r in records]
    if not kinds or kinds[0] != "WalkForwardStarted" or kinds[-1] != "WalkForwardEnded":
        report.problems.append(
            f"{run_dir / EVENTS}: expected WalkForwardStarted first and WalkForwardEnded last, "
            f"got {kinds[:1]}..{kinds[-1:]}"
        )
        return report
    if records[0].data != manifest:
        report.problems.append(
            f"{run_dir / EVENTS}: record 0 (WalkForwardStarted) differs from walkforward.json"
        )
    fold_records = [r for r in records if r.kind in ("FoldCompleted", "FoldFailed")]
    planned = [f["fold_id"] for f in manifest["folds"]]
    if [r.data["fold_id"] for r in fold_records] != planned:
        report.problems.append(
            f"{run_dir / EVENTS}: fold records do not list the planned folds {planned} in order"
        )
    for rec in fold_records:
        if rec.kind == "FoldCompleted":
            _check_fold(run_dir, rec.seq, rec.data, report)
    return report


def _check_fold(run_dir: Path, seq: int, data: dict[str, Any], report: WalkForwardAudit) -> None:
    fold_dir = run_dir / FOLDS_DIR / f"{data['fold_id']}-{data['key'][:12]}"
    log_dir = fold_dir / FOLD_EVENTS
    report.folds_checked += 1
    if not log_dir.is_dir():
        report.problems.append(f"{data['fold_id']}: fold log {log_dir} is missing (top-level record {seq})")
        return
    rep = verify_log(log_dir)
    if not rep.ok:
        report.problems.append(f"{data['fold_id']}: {log_problem(log_dir, rep)}")
        return
    if rep.head != data["head"]:
        report.problems.append(
            f"{data['fold_id']}: fold log head {rep.head} differs from the head {data['head']} recorded in "
            f"top-level record {seq}"
        )
    records = list(read_log(log_dir))
    kinds = [r.kind for r in records]
    if kinds[:1] != ["FoldStarted"] or kinds[-1:] != ["FoldEnded"] or "ModelTrained" not in kinds:
        report.problems.append(
            f"{data['fold_id']}: {log_dir}: expected FoldStarted, ModelTrained, ..., FoldEnded"
        )
        return
    search = records[0].data.get("search")
    if search is not None:
        report.problems += [f"{data['fold_id']}: {log_dir}: {p}" for p in search_problems(records, search)]
        card_problem = _card_has_best(fold_dir, records)
        if card_problem:
            report.problems.append(f"{data['fold_id']}: {card_problem}")


def search_problems(records: list[Record], search: dict[str, Any]) -> list[str]:
    """A fold log's nested search against its ``FoldStarted`` settings: SearchStarted, one
    SearchTrial per planned trial in order, SearchEnded naming the best completed trial (lowest
    value, earliest on ties), all before ModelTrained, whose ``search`` has the same parameters."""
    kinds = [r.kind for r in records]
    if "SearchStarted" not in kinds or "SearchEnded" not in kinds:
        return ["a searched fold needs SearchStarted and SearchEnded records"]
    start, end, trained = (
        kinds.index("SearchStarted"),
        kinds.index("SearchEnded"),
        kinds.index("ModelTrained"),
    )
    if not start < end < trained:
        return ["expected SearchStarted, SearchTrial..., SearchEnded before ModelTrained"]
    started = records[start].data
    problems = []
    if {k: started.get(k) for k in search} != search:
        problems.append(f"record {start} (SearchStarted) differs from the fold's search settings")
    trials = [r.data for r in records[start + 1 : end] if r.kind == "SearchTrial"]
    if [t["number"] for t in trials] != list(range(search["trials"])):
        problems.append(
            f"expected SearchTrial numbers 0..{search['trials'] - 1}, got {[t['number'] for t in trials]}"
        )
    completed = [t for t in trials if t["state"] == "COMPLETE"]
    if not completed:
        return [*problems, "no completed search trial"]
    best = best_trial(completed)
    ended = records[end].data
    recomputed = {"best_number": best["number"], "best_value": best["value"], "best_params": best["params"]}
    if {k: ended.get(k) for k in recomputed} != recomputed or ended.get("completed") != len(completed):
        problems.append(f"record {end} (SearchEnded) does not name the best completed trial {best['number']}")
    chosen = records[trained].data.get("search", {}).get("best_params")
    if chosen != best["params"]:
        problems.append(
            f"record {trained} (ModelTrained) search params {chosen} differ from trial {best['number']}'s"
        )
    return problems


def _card_has_best(fold_dir: Path, records: list[Record]) -> str | None:
    """The traded model's card carries the best trial's parameters (None when it does)."""
    trained = next(r.data for r in records if r.kind == "ModelTrained")
    try:
        card = ModelCatalog(fold_dir / "models").verify(trained["ref"])
    except LineageError as exc:
        return f"model {trained.get('ref')}: {exc}"
    best = trained.get("search", {}).get("best_params", {})
    differing = sorted(k for k, v in best.items() if card.params.get(k) != v)
    if differing:
        return f"model {trained['ref']}: card params {differing} differ from the best search trial's"
    return None
