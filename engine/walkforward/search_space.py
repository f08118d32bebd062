"""Hyperparameter search spaces as data: per model kind, parameter -> range (JSON-able).

A space file is a JSON object keyed by model kind; each kind maps parameter names to one of

* ``{"type": "int", "low": 2, "high": 8}`` (optional ``"step"`` that divides ``high - low``);
* ``{"type": "float", "low": 0.5, "high": 1.0}``;
* ``{"type": "log-float", "low": 0.01, "high": 0.3}`` (sampled on a log scale, ``low > 0``);
* ``{"type": "categorical", "choices": [[32], [64, 32]]}`` (any JSON values, no duplicates).

Parameter names must be constructor parameters of that model kind (``strategies.models``);
``seed`` is refused (each fold's seed is derived from the run's seed). ``DEFAULT_SPACES`` is used
when no file is given. Errors name the source, the kind, the parameter and what was expected.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.walkforward.errors import WalkForwardError

METRIC = "log_loss"
TYPES = ("int", "float", "log-float", "categorical")
SEARCHABLE_KINDS = ("xgb", "mlp", "lstm")
_FIELDS = {
    "int": {"type", "low", "high", "step"},
    "float": {"type", "low", "high"},
    "log-float": {"type", "low", "high"},
    "categorical": {"type", "choices"},
}

DEFAULT_SPACES: dict[str, dict[str, dict[str, Any]]] = {
    "xgb": {
        "max_depth": {"type": "int", "low": 2, "high": 8},
        "learning_rate": {"type": "log-float", "low": 0.01, "high": 0.3},
        "n_estimators": {"type": "int", "low": 50, "high": 400, "step": 50},
        "subsample": {"type": "float", "low": 0.5, "high": 1.0},
        "colsample_bytree": {"type": "float", "low": 0.5, "high": 1.0},
        "min_child_weight": {"type": "log-float", "low": 1.0, "high": 20.0},
        "reg_lambda": {"type": "log-float", "low": 0.1, "high": 10.0},
    },
    "mlp": {
        "hidden": {"type": "categorical", "choices": [[32], [64], [64, 32], [128, 64]]},
        "dropout": {"type": "float", "low": 0.0, "high": 0.3},
        "learning_rate": {"type": "log-float", "low": 1e-4, "high": 1e-2},
        "weight_decay": {"type": "log-float", "low": 1e-6, "high": 1e-3},
        "batch_size": {"type": "categorical", "choices": [64, 128, 256]},
        "max_epochs": {"type": "int", "low": 10, "high": 40, "step": 10},
    },
    "lstm": {
        "seq_len": {"type": "categorical", "choices": [8, 16, 32]},
        "hidden": {"type": "categorical", "choices": [8, 16, 32]},
        "learning_rate": {"type": "log-float", "low": 1e-4, "high": 1e-2},
        "max_epochs": {"type": "int", "low": 5, "high": 20, "step": 5},
    },
}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def model_param_names(kind: str) -> set[str]:
    """Constructor parameters of model ``kind`` (torch models: also their training parameters)."""
    from strategies.models import MODEL_KINDS

    cls = MODEL_KINDS[kind]
    sig = inspect.signature(cls.__init__)
    names = {n for n, p in sig.parameters.items() if n != "self" and p.kind is not p.VAR_KEYWORD}
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        from strategies.models._torch import torch_defaults

        names |= set(torch_defaults())
    return names - {"seed"}


def _check_param(where: str, spec: Any) -> dict[str, Any]:
    """One parameter's range, validated; returns it unchanged (a plain dict)."""
    if not isinstance(spec, Mapping):
        raise WalkForwardError(f"{where}: is {spec!r}; expected an object with 'type' (one of {list(TYPES)})")
    kind = spec.get("type")
    if kind not in TYPES:
        raise WalkForwardError(f"{where}: 'type' is {kind!r}; expected one of {list(TYPES)}")
    extra = sorted(set(spec) - _FIELDS[kind])
    if extra:
        raise WalkForwardError(
            f"{where}: unknown field(s) {extra} for type {kind!r}; expected {sorted(_FIELDS[kind])}"
        )
    if kind == "categorical":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise WalkForwardError(f"{where}: 'choices' is {choices!r}; expected a non-empty list")
        encoded = [json.dumps(c, sort_keys=True) for c in choices]
        if len(set(encoded)) != len(encoded):
            raise WalkForwardError(f"{where}: 'choices' {choices!r} has duplicates; expected distinct values")
        return dict(spec)
    low, high = spec.get("low"), spec.get("high")
    want_int = kind == "int"
    for name, v in (("low", low), ("high", high)):
        if not _is_number(v) or (want_int and not isinstance(v, int)):
            raise WalkForwardError(
                f"{where}: '{name}' is {v!r}; expected {'an integer' if want_int else 'a finite number'}"
            )
    if low > high:
        raise WalkForwardError(f"{where}: 'low' {low!r} > 'high' {high!r}; expected low <= high")
    if kind == "log-float" and low <= 0:
        raise WalkForwardError(f"{where}: 'low' is {low!r}; a log-float range needs low > 0")
    if want_int and "step" in spec:
        step = spec["step"]
        if not isinstance(step, int) or isinstance(step, bool) or step < 1:
            raise WalkForwardError(f"{where}: 'step' is {step!r}; expected an integer >= 1")
        if (high - low) % step:
            raise WalkForwardError(f"{where}: 'step' {step} does not divide high - low = {high - low}")
    return dict(spec)


def validate_space(spaces: Any, source: str = "search space") -> dict[str, dict[str, dict[str, Any]]]:
    """Check a ``{kind: {param: range}}`` mapping; returns it as plain dicts or raises naming the problem."""
    if not isinstance(spaces, Mapping) or not spaces:
        raise WalkForwardError(
            f"{source}: expected a JSON object keyed by model kind {list(SEARCHABLE_KINDS)}"
        )
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, params in spaces.items():
        if kind not in SEARCHABLE_KINDS:
            raise WalkForwardError(
                f"{source}: model kind {kind!r} cannot be searched; expected one of {list(SEARCHABLE_KINDS)}"
            )
        if not isinstance(params, Mapping) or not params:
            raise WalkForwardError(f"{source}: {kind}: expected a non-empty object of parameter -> range")
        known = model_param_names(kind)
        out[kind] = {}
        for name, spec in params.items():
            where = f"{source}: {kind}.{name}"
            if name not in known:
                raise WalkForwardError(
                    f"{where}: not a parameter of {kind} models; expected one of {sorted(known)}"
                )
            out[kind][name] = _check_param(where, spec)
    return out


def load_space(source: str | Path | Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, Any]]]:
    """Spaces from a JSON file, a mapping, or ``DEFAULT_SPACES`` when ``None``; always validated."""
    if source is None:
        return validate_space(DEFAULT_SPACES, "default search space")
    if isinstance(source, Mapping):
        return validate_space(source)
    path = Path(source)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WalkForwardError(f"search space {path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise WalkForwardError(f"search space {path}: not valid JSON ({exc})") from None
    return validate_space(doc, f"search space {path}")


def space_for(
    spaces: Mapping[str, Mapping[str, Any]], kind: str, source: str = "search space"
) -> dict[str, Any]:
    """The entry for model ``kind`` (raises naming the kinds the space has)."""
    if kind not in spaces:
        raise WalkForwardError(f"{source}: no entry for model {kind!r}; it has {sorted(spaces)}")
    return dict(spaces[kind])


def suggest(trial: Any, space: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Sample one configuration from an Optuna ``trial`` (categorical values JSON-encoded for Optuna)."""
    params: dict[str, Any] = {}
    for name in sorted(space):
        spec = space[name]
        kind = spec["type"]
        if kind == "int":
            params[name] = trial.suggest_int(name, spec["low"], spec["high"], step=spec.get("step", 1))
        elif kind in ("float", "log-float"):
            params[name] = trial.suggest_float(
                name, float(spec["low"]), float(spec["high"]), log=kind == "log-float"
            )
        else:
            codes = [json.dumps(c, sort_keys=True) for c in spec["choices"]]
            params[name] = json.loads(trial.suggest_categorical(name, codes))
    return params


@dataclass(frozen=True)
class SearchConfig:
    """Search settings carried by a ``FoldTask``: trials, the model kind's space (canonical JSON),
    the inner validation fraction and the sampler's identity (Optuna version: it shapes results)."""

    trials: int
    space: str
    validation: float = 0.25
    sampler: str = ""

    @classmethod
    def build(
        cls,
        trials: int,
        space: str | Path | Mapping[str, Any] | None,
        model: str,
        validation: float = 0.25,
    ) -> SearchConfig | None:
        """Validated config, or ``None`` when ``trials`` is 0 (search off)."""
        if not isinstance(trials, int) or isinstance(trials, bool) or trials < 0:
            raise WalkForwardError(f"search trials: {trials!r}; expected an integer >= 0 (0 = no search)")
        if not 0.0 < float(validation) < 1.0:
            raise WalkForwardError(f"search validation: {validation!r}; expected a fraction in (0, 1)")
        if trials == 0:
            if space is not None:
                load_space(space)  # a bad file is an error even while the search is off
            return None
        if space is None:  # only this kind's defaults: validating mlp/lstm would import torch
            source = "default search space"
            entry = validate_space({model: space_for(DEFAULT_SPACES, model, source)}, source)[model]
        else:
            source = "search space" if isinstance(space, Mapping) else f"search space {space}"
            entry = space_for(load_space(space), model, source)
        import optuna

        return cls(
            trials=trials,
            space=json.dumps(entry, sort_keys=True, separators=(",", ":")),
            validation=float(validation),
            sampler=f"optuna {optuna.__version__} TPESampler",
        )

    @property
    def space_dict(self) -> dict[str, Any]:
        return json.loads(self.space)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (part of ``FoldTask.describe`` and so of the fold key)."""
        return {
            "trials": self.trials,
            "space": self.space_dict,
            "validation": self.validation,
            "metric": METRIC,
            "sampler": self.sampler,
        }
