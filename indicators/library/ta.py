"""TA-Lib's raw numpy functions, without the per-call pandas/polars wrapper ``import talib`` adds.

The wrapper only converts Series arguments; on numpy arrays it returns the same result, but costs a
few microseconds per call, which matters in streaming mode (one call per feature per bar).
"""

from __future__ import annotations

from types import SimpleNamespace

import talib

FUNCTION_GROUPS: dict[str, list[str]] = talib.get_function_groups()

raw = SimpleNamespace(
    **{
        name: getattr(getattr(talib, name), "__wrapped__", getattr(talib, name))
        for name in talib.get_functions()
    }
)
