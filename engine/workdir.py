"""Running a step with a chosen working directory, so files it names can be recorded as relative
paths (a run's manifest never holds an absolute path: the same run reproduces anywhere)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Change into ``path`` for the ``with`` block, then back (not thread-safe: process-wide)."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
