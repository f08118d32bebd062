"""The feature library: every feature kind, registered by name in ``registry``."""

from indicators.library import calendar, candles, mtf, talib_kinds  # noqa: F401  (registers kinds)
from indicators.library.registry import KINDS, Kind, Param, get_kind, register_kind

__all__ = ["KINDS", "Kind", "Param", "get_kind", "register_kind"]
