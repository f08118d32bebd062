"""A progress bar for one backtest: an actor that counts the bars the engine replays.

NautilusTrader's ``BacktestEngine.run()`` is one call, so the bar is driven from inside the run by
an actor subscribed to the traded bar type. It only reads bars and publishes nothing, so the event
stream and the log's chain head are the same with or without it (tested). Added only when progress
is asked for; the bar itself is ``engine.progress.progress`` (stderr).
"""

from __future__ import annotations

from nautilus_trader.common.actor import Actor
from nautilus_trader.config import ActorConfig
from nautilus_trader.model.data import Bar, BarType

from engine.progress import progress


class BarProgress(Actor):
    """Advances a ``total``-step progress bar on every ``bar_type`` bar; ``close()`` after the run."""

    def __init__(self, bar_type: BarType, total: int, desc: str = "backtest", enabled: bool = True) -> None:
        super().__init__(ActorConfig(component_id="LineageProgress"))
        self._bar_type = bar_type
        self.bar = progress(total, desc=desc, enabled=enabled, unit="bar", mininterval=0.5)
        self.seen = 0

    def on_start(self) -> None:
        """Subscribe the traded bars (the strategy's own subscription is unaffected)."""
        self.subscribe_bars(self._bar_type)

    def on_bar(self, bar: Bar) -> None:
        """Count one bar."""
        self.seen += 1
        self.bar.update(1)

    def on_stop(self) -> None:
        """Nothing to release here: the bar is closed by ``close()``."""

    def close(self) -> None:
        """Finish the bar (idempotent)."""
        self.bar.close()
