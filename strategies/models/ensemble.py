"""Soft-voting ensemble: a weighted average of its members' probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ArtifactError, LineageError
from strategies.models.base import Model

MEMBERS_DIR = "members"


class EnsembleModel(Model):
    """Soft voting over member models; ``window`` is the largest member window.

    ``members`` are ``Model`` instances or specs ``{"kind": ..., **params}``. ``weights`` default
    to equal; they are normalised to sum to 1. Rows before ``window - 1`` are NaN for every column.
    """

    kind = "ensemble"

    def __init__(
        self,
        members: Sequence[Model | dict[str, Any]],
        weights: Sequence[float] | None = None,
        seed: int = 0,
    ) -> None:
        from strategies.models.factory import make_model

        built = [m if isinstance(m, Model) else make_model(**dict(m)) for m in members]
        if not built:
            raise LineageError("ensemble: 'members' is empty; expected at least one model")
        w = [1.0] * len(built) if weights is None else [float(x) for x in weights]
        if len(w) != len(built) or any(not np.isfinite(x) or x < 0 for x in w) or sum(w) <= 0:
            raise LineageError(
                f"ensemble: 'weights' is {w!r}; expected {len(built)} finite non-negative numbers, sum > 0"
            )
        self.members: list[Model] = built
        self.weights = np.asarray(w, dtype=np.float64) / sum(w)
        super().__init__(
            {"weights": w, "seed": int(seed), "members": [{"kind": m.kind, **m.params} for m in built]}
        )
        if all(m.is_fitted for m in built) and len({m.n_features for m in built}) == 1:
            self.n_features = built[0].n_features

    @property
    def window(self) -> int:
        return max(m.window for m in self.members)

    @property
    def used_columns(self) -> np.ndarray | None:
        """Every column some member reads (None if a member reads them all)."""
        used = [m.used_columns for m in self.members]
        if any(u is None for u in used):
            return None
        return np.unique(np.concatenate(used)).astype(np.intp)

    def _fit(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, ev: tuple | None) -> None:
        y = np.where(codes >= 0, codes - 1, np.nan)
        eval_set = None if ev is None else (ev[0], np.where(ev[1] >= 0, ev[1] - 1, np.nan))
        for m in self.members:
            m.fit(X, y, sample_weight=w, eval_set=eval_set)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        first = self.window - 1
        total = np.zeros((X.shape[0] - first, 3), dtype=np.float64)
        for weight, m in zip(self.weights, self.members, strict=True):
            total += weight * m.predict_proba(X)[first:]
        return total

    def predict_row(self, rows: np.ndarray) -> tuple[float, float, float]:
        """``predict_proba``'s last row from the members' ``predict_row``: the same weighted sum,
        member by member from zero in float64, so the same floats."""
        if rows.shape[0] < self.window:
            return super().predict_row(rows)  # NaN: not enough history
        total = [0.0, 0.0, 0.0]
        for weight, m in zip(self.weights.tolist(), self.members, strict=True):
            p = m.predict_row(rows)
            total = [t + weight * x for t, x in zip(total, p, strict=True)]
        return (total[0], total[1], total[2])

    def _save_files(self, directory: Path) -> dict[str, Any]:
        names = []
        for i, m in enumerate(self.members):
            name = f"{i:02d}"
            m.save(directory / MEMBERS_DIR / name)
            names.append(name)
        return {"members": names}

    def _load_files(self, directory: Path, state: dict[str, Any]) -> None:
        from strategies.models.factory import load_model

        names = state.get("members") or []
        if len(names) != len(self.members):
            raise ArtifactError(
                f"{directory / 'model.json'}: field 'state.members' lists {len(names)} members; "
                f"expected {len(self.members)}"
            )
        self.members = [load_model(directory / MEMBERS_DIR / n) for n in names]

    @classmethod
    def load(cls, directory: str | Path) -> EnsembleModel:
        model = super().load(directory)
        for m in model.members:
            if m.n_features != model.n_features:
                raise ArtifactError(f"{directory}: member feature count {m.n_features} != {model.n_features}")
        return model
