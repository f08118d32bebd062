"""Audit of a paper run (``<run>/log`` + ``session.json``): chain, session seams, figures.

A paper run's log is one chain over one or more sessions: ``RunStarted`` ... [``RunEnded``]
then, per restart, ``SessionResumed`` ... and finally ``RunEnded``. Checked here: the chain
verifies; each ``SessionResumed`` names the head of the record before it and carries the
balances and open positions the log rebuilt up to that point; the last ``RunEnded`` and
``session.json`` carry the balances the log's last ``AccountState`` says.
"""

from __future__ import annotations

from pathlib import Path

from engine.audit.audit import AuditReport
from engine.audit.rebuild import rebuild
from engine.audit.reconcile import Mismatch
from engine.backtest.rundir import read_json
from engine.eventlog import read_log, verify_log
from engine.paper.resume import SESSION_RESUMED, session_state

PAPER_LOG = "log"
PAPER_SUMMARY = "session.json"


def is_paper_run(run_dir: Path) -> bool:
    """A paper run directory (``log/`` and, once a session ended, ``session.json``)."""
    return (run_dir / PAPER_LOG).is_dir() and not (run_dir / "events").exists()


def audit_paper_run(run_dir: str | Path) -> AuditReport:
    """Verify and reconcile a paper run."""
    run_dir = Path(run_dir)
    report = AuditReport(run_dir=str(run_dir))
    log_dir = run_dir / PAPER_LOG
    verified = verify_log(log_dir)
    report.records, report.head = verified.records, verified.head
    if verified.error:
        report.chain_error, report.first_bad_record = verified.error, verified.first_bad
        return report
    if verified.torn_tail:
        report.torn_tail = verified.torn_tail
        report.problems.append("the final record is torn; the session died mid-write (restart it with --run)")
    records = list(read_log(log_dir))
    if not records or records[0].kind != "RunStarted":
        report.problems.append("the log does not start with RunStarted")
    seams = 0
    for i, rec in enumerate(records):
        if rec.kind == "RunStarted" and i:
            report.problems.append(f"record {rec.seq}: a second RunStarted (expected SessionResumed)")
        if rec.kind != SESSION_RESUMED:
            continue
        seams += 1
        before = session_state(records[:i])
        _seam(report, rec, records[i - 1].chain, before)
    if not records or records[-1].kind != "RunEnded":
        report.problems.append("the log does not end with RunEnded (session running or killed)")
    rebuilt = rebuild(records)
    report.problems.extend(rebuilt.problems)
    final = {k: str(v) for k, v in sorted(rebuilt.balances_from_states.items())}
    ended = rebuilt.run_ended or {}
    if "final_balances" in ended and ended["final_balances"] != final:
        report.mismatches.append(Mismatch("RunEnded.final_balances", final, ended["final_balances"]))
    summary_path = run_dir / PAPER_SUMMARY
    if summary_path.is_file():
        summary = read_json(summary_path)
        if summary.get("final_balances") != final:
            report.mismatches.append(
                Mismatch("session.json final_balances", final, summary.get("final_balances"))
            )
        if summary.get("chain_head") != report.head:
            report.mismatches.append(
                Mismatch("session.json chain_head", report.head, summary.get("chain_head"))
            )
    else:
        report.problems.append(f"{summary_path} is missing (the last session did not end)")
    state = session_state(records)
    report.checked = {
        "records": len(records),
        "sessions": 1 + seams,
        "kinds": dict(sorted(rebuilt.kinds.items())),
        "orders": len(rebuilt.orders),
        "fills": rebuilt.fills,
        "positions": len(rebuilt.cycles),
        "open_positions": state.positions(),
        "equity_points": len(rebuilt.equity),
        "final_balances": final,
        "final_equity": None,
        "decisions": len(rebuilt.decision_ts),
        "decision_actions": dict(sorted(rebuilt.decision_actions.items())),
    }
    return report


def _seam(report: AuditReport, rec, previous_chain: str, before) -> None:
    data = rec.data
    where = f"record {rec.seq} SessionResumed"
    if data.get("previous_head") != previous_chain:
        report.mismatches.append(
            Mismatch(f"{where}.previous_head", previous_chain, data.get("previous_head"))
        )
    if data.get("balances") != dict(sorted(before.balances.items())):
        report.mismatches.append(Mismatch(f"{where}.balances", before.balances, data.get("balances")))
    if data.get("positions") != before.positions():
        report.mismatches.append(Mismatch(f"{where}.positions", before.positions(), data.get("positions")))
