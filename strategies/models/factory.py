"""Build models by kind name and load any saved artifact by the kind it records."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from engine.errors import ArtifactError, LineageError
from strategies.models.base import Model, read_model_json

# kind -> "module:Class"; the torch models' modules import torch (~1.2 s of CPU), so a process
# that only ever builds XGBoost models (a walk-forward worker, the CLI) never loads it
_KIND_CLASSES: dict[str, str | type[Model]] = {
    "xgb": "strategies.models.xgb:XGBoostModel",
    "mlp": "strategies.models.mlp:MLPModel",
    "lstm": "strategies.models.lstm:LSTMModel",
    "ensemble": "strategies.models.ensemble:EnsembleModel",
}


class _ModelKinds(MutableMapping[str, type[Model]]):
    """Model kind -> class, importing the class's module on first use; a kind can be registered
    (``MODEL_KINDS["mine"] = MyModel``)."""

    def __getitem__(self, kind: str) -> type[Model]:
        entry = _KIND_CLASSES[kind]
        if isinstance(entry, str):
            module, _, name = entry.partition(":")
            entry = _KIND_CLASSES[kind] = getattr(importlib.import_module(module), name)
        return entry

    def __setitem__(self, kind: str, cls: type[Model]) -> None:
        _KIND_CLASSES[kind] = cls

    def __delitem__(self, kind: str) -> None:
        del _KIND_CLASSES[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(_KIND_CLASSES)

    def __len__(self) -> int:
        return len(_KIND_CLASSES)


MODEL_KINDS: MutableMapping[str, type[Model]] = _ModelKinds()


def make_model(kind: str, **params: Any) -> Model:
    """A new untrained model of ``kind`` (``xgb|mlp|lstm|ensemble``) with ``params``."""
    try:
        cls = MODEL_KINDS[kind]
    except KeyError:
        raise LineageError(f"model kind {kind!r} unknown; expected one of {sorted(MODEL_KINDS)}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise LineageError(f"model kind {kind!r}: bad parameters ({exc})") from exc


def load_model(directory: str | Path) -> Model:
    """Load the model saved in ``directory``, whatever its kind."""
    directory = Path(directory)
    kind = read_model_json(directory)["kind"]
    if kind not in MODEL_KINDS:
        raise ArtifactError(
            f"{directory / 'model.json'}: field 'kind' is {kind!r}; expected one of {sorted(MODEL_KINDS)}"
        )
    return MODEL_KINDS[kind].load(directory)
