"""Audit a recorded run from its event log alone: verify, rebuild, reconcile, re-execute."""

from engine.audit.audit import AuditReport, audit_run
from engine.audit.rebuild import Rebuilt, rebuild
from engine.audit.reconcile import Mismatch, reconcile

__all__ = ["AuditReport", "Mismatch", "Rebuilt", "audit_run", "rebuild", "reconcile"]
