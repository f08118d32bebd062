"""Errors raised by the indicators package."""

from __future__ import annotations

from engine.errors import LineageError


class FeatureError(LineageError):
    """Bad feature input or declaration: the message names the feature/row and the problem."""
