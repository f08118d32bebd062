"""Calendar kinds computed from ``ts``, the UTC time a bar becomes known (its close time)."""

from __future__ import annotations

import numpy as np

from indicators.bars import Bars
from indicators.library.registry import Kind, Param, register_kind
from indicators.library.steppers import Opener, table

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


def _by_minute(ts: int) -> int:
    return (ts % _NS_DAY) // _NS_MIN


def _by_day(ts: int) -> int:
    return (ts // _NS_DAY) % 7


def _stepper(core, per_day: bool) -> Opener:
    """Stepper by table look-up: ``core`` over one ts per minute of day (or per day of a week)."""
    keys = np.arange(7 if per_day else 1440, dtype=np.int64) * (_NS_DAY if per_day else _NS_MIN)
    b = Bars(*(np.zeros(len(keys)),) * 5, ts=keys)
    return table(_by_day if per_day else _by_minute, np.asarray(core(b), dtype=np.float64))


def _cal(name: str, doc: str, fn, per_day: bool = False) -> None:
    core = lambda b: fn(b).astype(np.float64)  # noqa: E731
    register_kind(
        Kind(
            name=name,
            group="calendar",
            params=(),
            core=core,
            lookback=lambda: 0,
            mode="pointwise",
            doc=doc,
            stepper=_stepper(core, per_day),
        )
    )


_cal("hour", "UTC hour of day 0..23", lambda b: _minute_of_day(b) // 60)
_cal("weekday", "UTC weekday, Monday = 0", _weekday, per_day=True)
_cal("hoursin", "sin(2 pi minute-of-day / 1440)", lambda b: np.sin(2 * np.pi * _minute_of_day(b) / 1440.0))
_cal("hourcos", "cos(2 pi minute-of-day / 1440)", lambda b: np.cos(2 * np.pi * _minute_of_day(b) / 1440.0))
_cal("dowsin", "sin(2 pi weekday / 7)", lambda b: np.sin(2 * np.pi * _weekday(b) / 7.0), per_day=True)
_cal("dowcos", "cos(2 pi weekday / 7)", lambda b: np.cos(2 * np.pi * _weekday(b) / 7.0), per_day=True)


def _session(b: Bars, name: str) -> np.ndarray:
    lo, hi = SESSIONS[name]
    m = _minute_of_day(b)
    return ((m >= lo) & (m < hi)).astype(np.float64)


_SESSION_STEPPERS = {n: _stepper(lambda b, n=n: _session(b, n), False) for n in SESSIONS}
register_kind(
    Kind(
        name="session",
        group="calendar",
        params=(Param("name", str, choices=tuple(SESSIONS)),),
        core=_session,
        lookback=lambda name: 0,
        mode="pointwise",
        doc="1 inside the UTC trading session, else 0",
        stepper=lambda b, name: _SESSION_STEPPERS[name](b),
    )
)
