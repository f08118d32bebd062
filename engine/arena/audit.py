"""Audit an arena run from its log alone: verify the chain, rebuild the lineage tree from the
``AgentSpawned``/``AgentDied`` events and compare it (edges, generations, deaths) with the tree in
``metrics.json``; check the manifest, the recorded chain head and every evaluation run's own log."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.arena.report import lineage_dict
from engine.audit.problems import ProblemReport, log_problem, verified_records
from engine.backtest.rundir import EVENTS, MANIFEST, METRICS, read_json
from engine.errors import LineageError
from engine.eventlog import verify_log
from strategies.evolution import rebuild_lineage

KIND = "arena"
EVALUATION = "evaluation"


@dataclass
class ArenaAudit(ProblemReport):
    """Outcome of ``audit_arena``; ``ok`` when nothing is listed in ``problems``."""

    run_dir: str
    head: str | None = None
    records: int = 0
    agents: int = 0
    deaths: int = 0
    evaluation_runs: int = 0
    problems: list[str] = field(default_factory=list)


def is_arena_dir(run_dir: str | Path) -> bool:
    """True when ``run_dir/manifest.json`` names an arena run."""
    try:
        return read_json(Path(run_dir) / MANIFEST).get("kind") == KIND
    except (LineageError, AttributeError):
        return False


def audit_arena(run_dir: str | Path) -> ArenaAudit:
    """Verify an arena run directory; every problem names the file and record or agent."""
    run_dir = Path(run_dir)
    report = ArenaAudit(run_dir=str(run_dir))
    log_dir = run_dir / EVENTS
    records = verified_records(log_dir, report)
    if records is None:
        return report
    kinds = [r.kind for r in records]
    if not kinds or kinds[0] != "RunStarted" or kinds[-1] != "RunEnded":
        report.problems.append(
            f"{log_dir}: expected RunStarted first and RunEnded last, got {kinds[:1]}..{kinds[-1:]}"
        )
        return report
    manifest, metrics = read_json(run_dir / MANIFEST), read_json(run_dir / METRICS)
    if records[0].data != manifest:
        report.problems.append(f"{log_dir}: record 0 (RunStarted) differs from {MANIFEST}")
    champion_seqs = [r.seq for r in records if r.kind == "ChampionSaved"]
    last_evolution = champion_seqs[-1] if champion_seqs else _last_generation_seq(records)
    if last_evolution is not None and records[last_evolution].chain != metrics.get("evolution_head"):
        report.problems.append(
            f"{run_dir / METRICS}: evolution_head {metrics.get('evolution_head')} != hash of record "
            f"{last_evolution} ({records[last_evolution].kind})"
        )
    if metrics.get("chain_head") != report.head:
        report.problems.append(
            f"{run_dir / METRICS}: chain_head {metrics.get('chain_head')} != log head {report.head}"
        )
    try:
        tree = rebuild_lineage((r.kind, r.data) for r in records)
    except LineageError as exc:
        report.problems.append(f"{log_dir}: {exc}")
        return report
    rebuilt = lineage_dict(tree)
    stored = (metrics.get("arena") or {}).get("lineage") or {}
    report.agents = len(rebuilt)
    report.deaths = sum(1 for n in rebuilt.values() if n["died_generation"] is not None)
    _compare_trees(rebuilt, stored, run_dir / METRICS, report)
    if records[-1].data.get("summary") != metrics.get("summary"):
        report.problems.append(f"{log_dir}: RunEnded summary differs from the summary in {METRICS}")
    for rec in records:
        if rec.kind == "EvaluationEnded":
            _check_evaluation(run_dir, rec.seq, rec.data, report)
    return report


def _compare_trees(rebuilt: dict, stored: dict, where: Path, report: ArenaAudit) -> None:
    for aid in sorted(set(rebuilt) | set(stored)):
        if aid not in stored:
            report.problems.append(f"{where}: agent {aid} is in the log but missing from the lineage")
        elif aid not in rebuilt:
            report.problems.append(f"{where}: agent {aid} is in the lineage but was never spawned in the log")
        else:
            for key in ("parent_ids", "generation", "weights_digest", "died_generation", "death_reason"):
                if rebuilt[aid][key] != stored[aid].get(key):
                    report.problems.append(
                        f"{where}: agent {aid} {key}: log says {rebuilt[aid][key]!r}, "
                        f"metrics say {stored[aid].get(key)!r}"
                    )


def _check_evaluation(run_dir: Path, seq: int, data: dict[str, Any], report: ArenaAudit) -> None:
    eval_dir = run_dir / EVALUATION / str(data.get("run_id"))
    checked = verify_log(eval_dir / EVENTS) if (eval_dir / EVENTS).is_dir() else None
    if checked is None:
        report.problems.append(f"record {seq} (EvaluationEnded): run {eval_dir} has no event log")
    elif not checked.ok:
        report.problems.append(log_problem(eval_dir / EVENTS, checked))
    elif checked.head != data.get("chain_head"):
        report.problems.append(
            f"record {seq} (EvaluationEnded): {data.get('name')} chain head {data.get('chain_head')} "
            f"!= its log's head {checked.head}"
        )
    else:
        report.evaluation_runs += 1


def _last_generation_seq(records: list) -> int | None:
    seqs = [r.seq for r in records if r.kind == "GenerationEnded"]
    return seqs[-1] if seqs else None
