"""Agent executors: map one generation's episodes over agents, results in AGENT order.

A tiny interface (``map(fn, items) -> list``, used as a context manager so a cluster starts once per
run and is shut down after). ``engine/walkforward/executors.py`` has fold-shaped executors with
failure capture; these stay separate because an agent episode that raises must fail the whole run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from engine.errors import LineageError

REPO_ROOT = Path(__file__).resolve().parents[2]


class AgentExecutor(Protocol):
    name: str

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]: ...

    def __enter__(self) -> AgentExecutor: ...

    def __exit__(self, *exc: object) -> None: ...


class SerialAgents:
    """Episodes one after another in this process."""

    name = "serial"

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        return [fn(item) for item in items]

    def __enter__(self) -> SerialAgents:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class RayAgents:
    """Episodes as Ray tasks (pure, so at-least-once is safe); results gathered in submission order.

    Starts a local cluster of ``workers`` CPUs on entry unless Ray is already initialised (or joins
    ``address``), and shuts down on exit only what it started. The cluster's temp dir is
    ``temp_dir``, else ``$LINEAGE_RAY_TEMP_DIR``, else ``/tmp/ray`` (keep it short: socket paths)."""

    name = "ray"

    def __init__(self, workers: int = 2, address: str | None = None, temp_dir: str | None = None) -> None:
        self.workers, self.address, self.temp_dir = workers, address, temp_dir
        self._started = False
        self._remote: Any = None

    def __enter__(self) -> RayAgents:
        try:
            import ray
        except ImportError:
            raise LineageError("executor 'ray': Ray is not installed (pip install 'ray>=2.40')") from None
        if not ray.is_initialized():
            path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
            options: dict[str, Any] = {
                "runtime_env": {"env_vars": {"PYTHONPATH": path}},
                "log_to_driver": False,
                "include_dashboard": False,
            }
            if self.address:
                ray.init(address=self.address, **options)
            else:
                temp = self.temp_dir or os.environ.get("LINEAGE_RAY_TEMP_DIR", "/tmp/ray")
                ray.init(num_cpus=self.workers, _temp_dir=temp, **options)
            self._started = True
        self._remote = ray.remote(num_cpus=1)(_call)
        return self

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        import ray

        if self._remote is None:
            raise LineageError(
                "RayAgents.map: use the executor as a context manager (with RayAgents() as ex)"
            )
        fn_ref = ray.put(fn)
        return ray.get([self._remote.remote(fn_ref, item) for item in items])

    def __exit__(self, *exc: object) -> None:
        import ray

        if self._started:
            ray.shutdown()
            self._started = False
        self._remote = None


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


def make_agent_executor(name: str, workers: int = 2) -> AgentExecutor:
    """``serial`` or ``ray``."""
    if name == "serial":
        return SerialAgents()
    if name == "ray":
        return RayAgents(workers)
    raise LineageError(f"executor {name!r}: expected 'serial' or 'ray'")
