"""Errors users see. Every message names where the problem is and what was expected."""

from __future__ import annotations


class LineageError(Exception):
    """Base class of every error Lineage raises on purpose (the CLI prints it and exits 2)."""


class DataValidationError(LineageError):
    """Input data is malformed: the message names file, row/timestamp, field and expectation."""


class LogIntegrityError(LineageError):
    """An event log failed verification; ``index`` is the first bad record (0-based) if known."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class LogLockedError(LineageError):
    """Another writer holds the event log's lock."""


class ArtifactError(LineageError):
    """A stored model artifact is missing, tampered with, or does not match its user."""
