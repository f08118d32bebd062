"""``Cls.of(engine)``: the helper actor of that class attached to a ``BacktestEngine``, if any."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class Attached:
    """Mixin for the engine's helper actors (purger, keepers), so callers can find them after a run."""

    @classmethod
    def of(cls: type[T], engine: Any) -> T | None:
        """The actor of this class attached to ``engine`` (a ``BacktestEngine``), if any."""
        for actor in engine.trader.actors():
            if isinstance(actor, cls):
                return actor
        return None
