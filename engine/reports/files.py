"""Reading run files (JSON objects, errors naming the file and line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import LineageError


class RunDirError(LineageError):
    """A run directory or one of its files cannot be read; the message names the file."""


def read_json_file(path: Path) -> dict[str, Any]:
    """A run's JSON object file; ``{}`` when absent, ``RunDirError`` naming the line when malformed."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise RunDirError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunDirError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(value, dict):
        raise RunDirError(f"{path}: expected a JSON object at the top level, got {type(value).__name__}")
    return value
