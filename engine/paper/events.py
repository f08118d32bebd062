"""Paper-trading events recorded in the run's log (a ``LineageEvent``, so the Recorder keeps it).

This module avoids ``from __future__ import annotations``: ``customdataclass`` reads real types.
"""

from nautilus_trader.model.custom import customdataclass

from engine.events import LineageEvent

FEED_GAP_TOPIC = "lineage.feed_gap"  # not under "data.": the Sandbox venue must not see it


@customdataclass
class FeedGap(LineageEvent):
    """The live feed was down from ``started_ns`` to ``ended_ns`` (client clock); data in between is lost.

    ``last_event_ns`` is the exchange time of the last message before the drop (0 if none);
    ``attempts`` counts failed reconnects; ``ts_event``/``ts_init`` are the reconnect time.
    """

    client_id: str = ""
    started_ns: int = 0
    ended_ns: int = 0
    last_event_ns: int = 0
    attempts: int = 0
    reason: str = ""
