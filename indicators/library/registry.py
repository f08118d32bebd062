"""Feature kinds: a named, parameterised causal function of bars, with its lookback and warm-up.

Modes:
- ``anchored``: recursive or running-sum TA-Lib computation. Value at row t is computed over rows
  ``[anchor(t), t]`` where the anchor steps in blocks (see ``indicators/README.md``); batch and
  streaming run the same TA-Lib call on the same rows, so they agree bit for bit.
- ``pointwise``: value at row t depends only on rows ``[t - lookback, t]`` whatever the start.
- ``mtf``: higher-timeframe feature with its own exact batch and streaming implementations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indicators.errors import FeatureError

MODES = ("anchored", "pointwise", "mtf")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a feature kind."""

    name: str
    type: type
    minimum: float | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, raw: Any, where: str) -> Any:
        """Convert a raw (JSON or name-token) value to this parameter's type, checking its range."""
        try:
            if self.type is int:
                if isinstance(raw, float) and not raw.is_integer():
                    raise ValueError(raw)
                value: Any = int(raw) if not isinstance(raw, str) else int(raw, 10)
            elif self.type is float:
                value = float(raw)
                if not np.isfinite(value):
                    raise ValueError(raw)
            else:
                value = str(raw)
        except (TypeError, ValueError) as exc:
            raise FeatureError(
                f"{where}: parameter '{self.name}' expects {self.type.__name__}, got {raw!r}"
            ) from exc
        if self.minimum is not None and value < self.minimum:
            raise FeatureError(f"{where}: parameter '{self.name}' must be >= {self.minimum}, got {value}")
        if self.choices is not None and value not in self.choices:
            raise FeatureError(
                f"{where}: parameter '{self.name}' must be one of {list(self.choices)}, got {value!r}"
            )
        return value


def format_param(value: Any) -> str:
    """Token used for a parameter inside a feature name."""
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


@dataclass(frozen=True)
class Kind:
    """A feature kind: ``compute(bars, *params)`` gives one float64 value per row (NaN = no value).

    ``compute`` is ``post(bars, *core(bars, *params), *params)``: ``core`` does the history-dependent
    work (TA-Lib), ``post`` (optional) is elementwise per row, so it may run on any subset of rows.
    ``output`` picks one array of a tuple-returning ``core``; kinds sharing the same ``core`` object
    and parameters share one TA-Lib call (e.g. MACD line/signal/hist). ``post_params=False`` declares
    that ``post`` ignores its parameters, so it may run once over many features' values at a time.
    ``min_block`` (``anchored`` only) lowers the smallest anchor step for kinds that are costly per
    row but have a short warm-up (candlesticks, CCI): streaming then runs TA-Lib over fewer rows.
    ``family`` (default: the kind's name) seeds the anchor phase; kinds sharing a core call give the
    same family (e.g. ``macd`` for MACD line/signal/hist) so their windows coincide.
    ``stepper`` (optional) opens an exact incremental form of ``core`` on a window (see
    ``indicators/library/steppers.py``): streaming then steps it once per bar instead of re-running
    ``core`` over the window (``anchored``: reopened at each block start; ``pointwise``: opened once,
    as its values do not depend on the start). It must give ``core``'s last-row parts bit for bit.
    """

    name: str
    group: str
    params: tuple[Param, ...]
    core: Callable[..., np.ndarray | tuple[np.ndarray, ...]]
    lookback: Callable[..., int]
    settle: Callable[..., int] = field(default=lambda *p: 0)
    mode: str = "anchored"
    heavy: bool = False
    stream_factory: Callable[..., Any] | None = None
    doc: str = ""
    post: Callable[..., np.ndarray] | None = None
    output: int | None = None
    post_params: bool = True
    min_block: int | None = None
    family: str | None = None
    stepper: Callable[..., Any] | None = None

    def parts(self, raw: np.ndarray | tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The arrays of a ``core`` result this kind uses (what ``post`` receives)."""
        parts = raw if isinstance(raw, tuple) else (raw,)
        return parts if self.output is None else (parts[self.output],)

    def compute(self, b: Any, *params: Any) -> np.ndarray:
        """The feature over all rows of ``b`` (full history, no warm-up masking)."""
        parts = self.parts(self.core(b, *params))
        if self.post is None:
            return parts[0]
        return self.post(b, *parts, *params)

    def __post_init__(self) -> None:
        if "_" in self.name or not self.name:
            raise FeatureError(f"feature kind name {self.name!r} must be non-empty and contain no '_'")
        if self.mode not in MODES:
            raise FeatureError(f"feature kind {self.name}: mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "mtf" and self.stream_factory is None:
            raise FeatureError(f"feature kind {self.name}: mode 'mtf' needs a stream_factory")


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind, replace: bool = False) -> Kind:
    """Add a kind to the registry (tests register deliberately leaky kinds this way)."""
    if kind.name in KINDS and not replace:
        raise FeatureError(f"feature kind {kind.name!r} is already registered")
    KINDS[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """Remove a kind (used by tests to clean up)."""
    KINDS.pop(name, None)


def get_kind(name: str, where: str = "feature") -> Kind:
    """Look up a kind by name or raise ``FeatureError`` listing the known kinds."""
    try:
        return KINDS[name]
    except KeyError:
        raise FeatureError(f"{where}: unknown feature kind {name!r}; known kinds: {sorted(KINDS)}") from None
