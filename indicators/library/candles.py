"""Candlestick-pattern kinds: ``cdl_<pattern>`` = TA-Lib ``CDL<PATTERN>`` / 100 (-1, 0 or +1)."""

from __future__ import annotations

import numpy as np

from indicators.bars import Bars
from indicators.library.registry import Kind, Param, register_kind
from indicators.library.steppers import HANDLES, Opener, ta
from indicators.library.ta import FUNCTION_GROUPS
from indicators.library.ta import raw as talib
from indicators.library.talib_kinds import lb

PATTERNS: tuple[str, ...] = tuple(sorted(name[3:].lower() for name in FUNCTION_GROUPS["Pattern Recognition"]))


def _candle(b: Bars, pattern: str) -> np.ndarray:
    return getattr(talib, "CDL" + pattern.upper())(b.open, b.high, b.low, b.close)


_STEPPERS: dict[str, Opener | None] = {
    p: ta("CDL" + p.upper(), ("open", "high", "low", "close"), lambda pattern: ()) for p in PATTERNS
}


def _step(b: Bars, pattern: str):
    return _STEPPERS[pattern](b, pattern)


def _scale(b: Bars, raw: np.ndarray, pattern: str) -> np.ndarray:
    return raw.astype(np.float64) / 100.0


register_kind(
    Kind(
        name="cdl",
        group="candlestick",
        params=(Param("pattern", str, choices=PATTERNS),),
        core=_candle,
        post=_scale,
        lookback=lambda pattern: lb("CDL" + pattern.upper()),
        doc="TA-Lib candlestick pattern, scaled to -1/0/+1",
        post_params=False,
        min_block=512,  # short warm-up, costly per row: see indicators/README.md
        stepper=_step if HANDLES else None,
    )
)
