"""Calendar kinds computed from ``ts``, the UTC time a bar becomes known (its close time)."""

from __future__ import annotations

import numpy as np

from indicators.bars import Bars
from indicators.library.registry import Kind, Param, register_kind

_NS_MIN = 60 * 1_000_000_000
_NS_DAY = 24 * 60 * _NS_MIN
# UTC session windows in minutes of day (start inclusive, end exclusive).
SESSIONS: dict[str, tuple[int, int]] = {
    "asia": (0, 8 * 60),
    "europe": (7 * 60, 16 * 60),
    "us": (13 * 60 + 30, 20 * 60),
}


def _minute_of_day(b: Bars) -> np.ndarray:
    return (b.ts % _NS_DAY) // _NS_MIN


def _weekday(b: Bars) -> np.ndarray:
    return ((b.ts // _NS_DAY) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def _cal(name: str, doc: str, fn) -> None:
    register_kind(
        Kind(
            name=name,
            group="calendar",
            params=(),
            core=lambda b: fn(b).astype(np.float64),
            lookback=lambda: 0,
            mode="pointwise",
            doc=doc,
        )
    )


_cal("hour", "UTC hour of day 0..23", lambda b: _minute_of_day(b) // 60)
_cal("weekday", "UTC weekday, Monday = 0", _weekday)
_cal("hoursin", "sin(2 pi minute-of-day / 1440)", lambda b: np.sin(2 * np.pi * _minute_of_day(b) / 1440.0))
_cal("hourcos", "cos(2 pi minute-of-day / 1440)", lambda b: np.cos(2 * np.pi * _minute_of_day(b) / 1440.0))
_cal("dowsin", "sin(2 pi weekday / 7)", lambda b: np.sin(2 * np.pi * _weekday(b) / 7.0))
_cal("dowcos", "cos(2 pi weekday / 7)", lambda b: np.cos(2 * np.pi * _weekday(b) / 7.0))


def _session(b: Bars, name: str) -> np.ndarray:
    lo, hi = SESSIONS[name]
    m = _minute_of_day(b)
    return ((m >= lo) & (m < hi)).astype(np.float64)


register_kind(
    Kind(
        name="session",
        group="calendar",
        params=(Param("name", str, choices=tuple(SESSIONS)),),
        core=_session,
        lookback=lambda name: 0,
        mode="pointwise",
        doc="1 inside the UTC trading session, else 0",
    )
)
