"""Shared scaffolding of audits that list problems: the outcome's ``ok``/``to_dict`` and the first
check every audit makes, that its event log verifies."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.eventlog import Record, VerifyReport, read_log, verify_log


class ProblemReport:
    """Mixin of an audit outcome dataclass with fields ``head``, ``records`` and ``problems``."""

    head: str | None
    records: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}  # type: ignore[call-overload]


def log_problem(log_dir: Path, verified: VerifyReport) -> str:
    """``<log>: record <first bad>: <error or 'torn tail'>``."""
    return f"{log_dir}: record {verified.first_bad}: {verified.error or 'torn tail'}"


def verified_records(log_dir: Path, report: ProblemReport) -> list[Record] | None:
    """Verify the log in ``log_dir`` and note its head and record count in ``report``; its records,
    or ``None`` after listing the problem when it does not verify (torn tail included)."""
    verified = verify_log(log_dir)
    report.head, report.records = verified.head, verified.records
    if not verified.ok:
        report.problems.append(log_problem(log_dir, verified))
        return None
    return list(read_log(log_dir))
