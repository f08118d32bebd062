"""Errors of walk-forward analysis (all ``LineageError``s, so the CLI prints them and exits 2)."""

from __future__ import annotations

from engine.errors import LineageError


class WalkForwardError(LineageError):
    """A walk-forward run could not be planned, run or read back."""


class FoldError(WalkForwardError):
    """A fold is invalid (too little data, overlapping test windows, empty train/test set).

    The message names the fold (``fold-003``) and the problem; ``fold`` is its index if known.
    """

    def __init__(self, message: str, fold: int | None = None) -> None:
        super().__init__(message)
        self.fold = fold
