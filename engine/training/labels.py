"""``LabelSpec``: how training labels are made from bars (frozen, JSON round trip)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd

from engine.errors import LineageError
from indicators import forward_return_labels, triple_barrier_labels

KINDS = ("forward", "triple_barrier")


@dataclass(frozen=True)
class LabelSpec:
    """Three-class labels (-1 sell, 0 neutral, +1 buy) with the bar where each label ends.

    ``forward``: return over ``horizon`` bars above ``up`` / below ``-down``.
    ``triple_barrier``: ``take_profit`` / ``stop_loss`` barriers within ``horizon`` bars.
    With ``vol_scaled`` the thresholds are multiples of recent volatility (see ``indicators.labels``).
    """

    kind: str = "forward"
    horizon: int = 12
    up: float = 0.002
    down: float = 0.002
    take_profit: float = 0.0
    stop_loss: float = 0.0
    vol_scaled: bool = False
    vol_window: int = 100

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LineageError(f"label spec: field 'kind' is {self.kind!r}; expected one of {list(KINDS)}")
        if not isinstance(self.horizon, int) or self.horizon < 1:
            raise LineageError(f"label spec: field 'horizon' is {self.horizon!r}; expected an integer >= 1")
        if (
            self.kind == "triple_barrier"
            and not self.vol_scaled
            and (self.take_profit <= 0 or self.stop_loss <= 0)
        ):
            raise LineageError(
                "label spec: triple_barrier needs 'take_profit' and 'stop_loss' > 0, got "
                f"{self.take_profit!r} and {self.stop_loss!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (the model card's ``label_spec``)."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelSpec:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise LineageError(f"label spec: unknown field(s) {unknown}; expected some of {sorted(names)}")
        return cls(**data)

    def labels(self, bars: pd.DataFrame) -> pd.DataFrame:
        """DataFrame[label, label_end] on ``bars``'s index (NaN/NaT where the horizon runs out)."""
        if self.kind == "forward":
            return forward_return_labels(
                bars, self.horizon, self.up, self.down, vol_scaled=self.vol_scaled, vol_window=self.vol_window
            )
        return triple_barrier_labels(
            bars,
            self.take_profit,
            self.stop_loss,
            self.horizon,
            vol_scaled=self.vol_scaled,
            vol_window=self.vol_window,
        )
