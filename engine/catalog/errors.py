"""Build ``DataValidationError`` messages that name file, row/timestamp, field and expectation."""

from __future__ import annotations

from pathlib import Path

from engine.errors import DataValidationError, LineageError


def validation_error(
    path: str | Path,
    row: int | None,
    field: str,
    problem: str,
    expected: str,
    *,
    ts: str | None = None,
    line_offset: int | None = None,
) -> DataValidationError:
    """An error for ``path``; ``row`` is the 0-based data row (reported 1-based, with CSV line)."""
    where = [str(path)]
    if row is not None:
        line = f", line {row + line_offset}" if line_offset is not None else ""
        where.append(f"row {row + 1}{line}")
    if ts is not None:
        where.append(f"timestamp {ts}")
    err = DataValidationError(f"{', '.join(where)}: field '{field}': {problem}; expected {expected}")
    err.file, err.row, err.field, err.timestamp = str(path), row, field, ts  # type: ignore[attr-defined]
    return err


class DatasetNotFoundError(LineageError):
    """The catalog (or a dataset/instrument in it) the caller asked for does not exist."""
