"""``audit_run``: verify a run's chain, rebuild its figures from the log alone, reconcile them with
the run's own figures, and optionally re-execute its manifest and compare chain heads."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.audit.decisions import check_decisions
from engine.audit.rebuild import rebuild
from engine.audit.reconcile import Mismatch, fill_warnings, reconcile
from engine.backtest.rundir import EVENTS, LOCATOR, MANIFEST, METRICS, read_json
from engine.eventlog import canonical_bytes, read_log, verify_log


@dataclass
class AuditReport:
    """The outcome of an audit. ``ok`` when the chain verifies, the log is complete and every
    figure (and, with re-execution, the chain head) matches."""

    run_dir: str
    records: int = 0
    head: str | None = None
    chain_error: str | None = None
    first_bad_record: int | None = None
    torn_tail: dict[str, int] | None = None
    problems: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: dict[str, Any] = field(default_factory=dict)
    reexecuted_head: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.chain_error or self.torn_tail or self.problems or self.mismatches)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--json``)."""
        out = asdict(self)
        out["ok"] = self.ok
        return out


def audit_run(run_dir: str | Path, reexecute: bool = False, catalog: str | Path | None = None) -> AuditReport:
    """Audit ``run_dir`` (a paper run directory, ``log/`` + ``session.json``, is audited by
    ``engine.audit.paper``); ``reexecute`` reruns its manifest (catalog from ``run.json`` unless
    ``catalog`` is given) into a temporary directory and compares chain heads."""
    run_dir = Path(run_dir)
    from engine.audit.paper import audit_paper_run, is_paper_run  # paper runs: dispatch by layout

    if is_paper_run(run_dir):
        return audit_paper_run(run_dir)
    report = AuditReport(run_dir=str(run_dir))
    verified = verify_log(run_dir / EVENTS)
    report.records, report.head = verified.records, verified.head
    if verified.error:
        report.chain_error, report.first_bad_record = verified.error, verified.first_bad
        return report
    if verified.torn_tail:
        report.torn_tail = verified.torn_tail
        report.problems.append(
            f"the final record is torn (segment {verified.torn_tail['segment']}, byte "
            f"{verified.torn_tail['offset']}); the run did not finish writing its log"
        )
    rebuilt = rebuild(read_log(run_dir / EVENTS))
    report.problems.extend(rebuilt.problems)
    manifest, metrics = read_json(run_dir / MANIFEST), read_json(run_dir / METRICS)
    _check_frame(report, rebuilt, manifest, metrics)
    report.mismatches.extend(reconcile(rebuilt, metrics["engine"]))
    report.problems.extend(check_decisions(rebuilt))
    report.warnings.extend(fill_warnings(rebuilt, metrics["engine"]))
    report.checked = {
        "records": rebuilt.records,
        "kinds": dict(sorted(rebuilt.kinds.items())),
        "orders": len(rebuilt.orders),
        "fills": rebuilt.fills,
        "positions": len(rebuilt.cycles),
        "equity_points": len(rebuilt.equity),
        "final_balances": {k: str(v) for k, v in sorted(rebuilt.balances_from_states.items())},
        "final_equity": str(rebuilt.equity[-1]) if rebuilt.equity else None,
        "decisions": len(rebuilt.decision_ts),
        "decision_actions": dict(sorted(rebuilt.decision_actions.items())),
    }
    if reexecute and not report.chain_error:
        _reexecute(report, run_dir, manifest, catalog)
    return report


def _check_frame(
    report: AuditReport, rebuilt: Any, manifest: dict[str, Any], metrics: dict[str, Any]
) -> None:
    kinds = rebuilt.kinds
    if rebuilt.manifest is None:
        report.problems.append("the log has no RunStarted record")
    elif canonical_bytes(rebuilt.manifest) != canonical_bytes(manifest):
        report.problems.append(f"{MANIFEST} differs from the log's RunStarted record")
    if rebuilt.run_ended is None:
        report.problems.append("the log has no RunEnded record (run incomplete or truncated)")
    if kinds.get("RunStarted", 0) > 1 or kinds.get("RunEnded", 0) > 1:
        report.problems.append("the log holds more than one RunStarted/RunEnded record")
    if metrics.get("chain_head") != report.head:
        report.mismatches.append(Mismatch("chain_head", report.head, metrics.get("chain_head")))
    if rebuilt.run_ended is not None:
        engine = metrics["engine"]
        for key in ("final_balances", "commissions", "realized_pnl", "final_equity", "orders", "fills"):
            if rebuilt.run_ended.get(key) != engine.get(key):
                report.mismatches.append(
                    Mismatch(f"RunEnded.{key}", rebuilt.run_ended.get(key), engine.get(key))
                )


def _reexecute(
    report: AuditReport, run_dir: Path, manifest: dict[str, Any], catalog: str | Path | None
) -> None:
    from engine.backtest.api import config_from_manifest, run_backtest
    from engine.catalog import dataset_info

    catalog = Path(catalog) if catalog else Path(read_json(run_dir / LOCATOR)["catalog"])
    data = manifest["data"]
    info = dataset_info(catalog, data["instrument_id"], "bars", data["bar"])
    if info["digest"] != data["dataset_digest"]:
        report.mismatches.append(Mismatch("data.dataset_digest", data["dataset_digest"], info["digest"]))
        return
    tmp = Path(tempfile.mkdtemp(prefix="lineage-reexec-"))
    try:
        result = run_backtest(config_from_manifest(manifest, catalog, tmp))
        report.reexecuted_head = result.head
        rerun_manifest = read_json(result.run_dir / MANIFEST)
        if rerun_manifest["data"]["bars_digest"] != data["bars_digest"]:
            report.mismatches.append(
                Mismatch("data.bars_digest", data["bars_digest"], rerun_manifest["data"]["bars_digest"])
            )
        if rerun_manifest["code"] != manifest["code"]:
            report.problems.append(
                f"code version differs: run {manifest['code']}, now {rerun_manifest['code']}"
            )
        if result.head != report.head:
            report.mismatches.append(Mismatch("reexecuted chain_head", report.head, result.head))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
