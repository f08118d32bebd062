"""``lineage audit RUN_DIR``: verify a run's log and rebuild its figures from the log alone."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.audit import AuditReport, audit_run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` subcommand."""
    p = subparsers.add_parser("audit", help="verify a run's event log and reconcile its figures")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.add_argument("--reexecute", action="store_true", help="rerun the manifest and compare chain heads")
    p.add_argument("--catalog", type=Path, help="catalog for --reexecute (default: the one in run.json)")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.set_defaults(func=run)


def render(report: AuditReport) -> str:
    """Human-readable report."""
    lines = [f"audit of {report.run_dir}: {'OK' if report.ok else 'FAILED'}"]
    lines.append(f"records: {report.records}  chain head: {report.head}")
    if report.chain_error:
        lines.append(f"chain: first bad record {report.first_bad_record}: {report.chain_error}")
    lines += [f"problem: {p}" for p in report.problems]
    lines += [f"warning: {w}" for w in report.warnings]
    lines += [f"mismatch: {m.field}: log={m.log} engine={m.engine}" for m in report.mismatches]
    if report.checked:
        c = report.checked
        lines.append(
            f"rebuilt from the log: {c['orders']} orders, {c['fills']} fills, {c['positions']} positions, "
            f"{c['equity_points']} equity points; final balances {c['final_balances']}; "
            f"final equity {c['final_equity']}"
        )
    if report.reexecuted_head is not None:
        same = "same" if report.reexecuted_head == report.head else "DIFFERENT"
        lines.append(f"re-executed: chain head {report.reexecuted_head} ({same})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 0 when the audit passes, 1 otherwise. A walk-forward folder (found
    by its manifest) gets the walk-forward audit: top-level log, every fold log, recorded heads; an
    arena run gets ``engine.arena.audit.audit_arena`` (chain, lineage rebuilt from the log)."""
    from engine.arena.audit import audit_arena, is_arena_dir
    from engine.walkforward import audit_walk_forward, is_walk_forward_dir

    if is_arena_dir(args.run_dir):
        ar = audit_arena(args.run_dir)
        if args.json:
            print(json.dumps(ar.to_dict(), indent=2, sort_keys=True))
        else:
            print(f"audit of arena {ar.run_dir}: {'OK' if ar.ok else 'FAILED'}")
            print(f"records: {ar.records}  chain head: {ar.head}")
            print(
                f"lineage rebuilt from the log: {ar.agents} agents, {ar.deaths} deaths; "
                f"evaluation runs verified: {ar.evaluation_runs}"
            )
            print("\n".join(f"problem: {p}" for p in ar.problems) or "lineage matches metrics.json")
        return 0 if ar.ok else 1
    if is_walk_forward_dir(args.run_dir):
        wf = audit_walk_forward(args.run_dir)
        if args.json:
            print(json.dumps(wf.to_dict(), indent=2, sort_keys=True))
        else:
            print(f"audit of walk-forward {wf.run_dir}: {'OK' if wf.ok else 'FAILED'}")
            print(f"records: {wf.records}  chain head: {wf.head}  folds checked: {wf.folds_checked}")
            print("\n".join(f"problem: {p}" for p in wf.problems) or "every fold log verifies and matches")
        return 0 if wf.ok else 1
    report = audit_run(args.run_dir, reexecute=args.reexecute, catalog=args.catalog)
    print(json.dumps(report.to_dict(), indent=2, sort_keys=True) if args.json else render(report))
    return 0 if report.ok else 1
