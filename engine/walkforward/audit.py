"""Audit a walk-forward run: the top-level log, every fold's log, and that each fold chain head
recorded in the top-level log is the head of that fold's own verified log."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.audit.problems import ProblemReport, log_problem, verified_records
from engine.eventlog import read_log, verify_log
from engine.walkforward.fold_task import EVENTS as FOLD_EVENTS
from engine.walkforward.fold_task import FOLDS_DIR
from engine.walkforward.runner import EVENTS, read_manifest


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
    kinds = [r.kind for r in read_log(log_dir)]
    if kinds[:1] != ["FoldStarted"] or kinds[-1:] != ["FoldEnded"] or "ModelTrained" not in kinds:
        report.problems.append(
            f"{data['fold_id']}: {log_dir}: expected FoldStarted, ModelTrained, ..., FoldEnded"
        )
