"""Imported by the process executor's forkserver: imports the modules named (comma-separated) in
``$LINEAGE_WF_PRELOAD`` once, so that every worker forked from it starts with them loaded.

A module that fails to import is skipped here (the fold that needs it reports the error with its
fold id); an exception escaping a preload would kill the forkserver itself.
"""

from __future__ import annotations

import os

from engine.walkforward.worker import import_modules

PRELOAD_ENV = "LINEAGE_WF_PRELOAD"

import_modules([m for m in os.environ.get(PRELOAD_ENV, "").split(",") if m])
