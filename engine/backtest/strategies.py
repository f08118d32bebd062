"""Building a strategy from a name or ``module:Class`` and string parameters.

Uses the project registry (``strategies.registry.build_strategy``) when it is available; otherwise
loads ``module:Class`` itself, finds the strategy's config class from its ``__init__`` annotation
and converts the string parameters to the config's field types (msgspec, non-strict).
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Mapping
from typing import Any

import msgspec
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from engine.errors import LineageError


class StrategyError(LineageError):
    """A strategy could not be found or configured."""


def build_strategy(
    name: str,
    params: Mapping[str, str],
    *,
    instrument_id: str,
    bar_type: str,
    context: dict[str, Any] | None = None,
) -> Strategy:
    """A configured strategy instance for ``instrument_id`` trading ``bar_type`` bars; ``context``
    (e.g. ``{"catalog": ...}``) fills config fields of those names the parameters leave unset."""
    try:
        from strategies.registry import build_strategy as registry_build
    except ImportError:
        registry_build = None
    if registry_build is not None:
        return registry_build(
            name, dict(params), instrument_id=instrument_id, bar_type=bar_type, context=context
        )
    return _build_from_path(name, params, instrument_id=instrument_id, bar_type=bar_type)


def _load_class(path: str) -> type:
    if ":" not in path:
        raise StrategyError(
            f"strategy {path!r}: expected module:Class (the strategy registry is not installed)"
        )
    module_name, _, class_name = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise StrategyError(f"strategy {path!r}: cannot import ({exc})") from None
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise StrategyError(f"strategy {path!r}: expected a nautilus_trader Strategy subclass")
    return cls


def _config_class(cls: type) -> type:
    hints = typing.get_type_hints(cls.__init__, vars(inspect.getmodule(cls)))
    config_cls = hints.get("config")
    if config_cls is None or not isinstance(config_cls, type):
        raise StrategyError(f"strategy {cls.__name__}: cannot find its config class")
    return config_cls


def _build_from_path(name: str, params: Mapping[str, str], *, instrument_id: str, bar_type: str) -> Strategy:
    cls = _load_class(name)
    config_cls = _config_class(cls)
    fields = {f.name for f in msgspec.structs.fields(config_cls)}
    values: dict[str, Any] = dict(params)
    if "instrument_id" in fields:
        values.setdefault("instrument_id", InstrumentId.from_str(instrument_id))
    if "bar_type" in fields:
        values.setdefault("bar_type", BarType.from_str(bar_type))
    unknown = sorted(set(values) - fields)
    if unknown:
        raise StrategyError(
            f"strategy {name}: unknown parameter(s) {unknown}; expected some of {sorted(fields)}"
        )
    try:
        config = config_cls.parse(msgspec.json.encode({k: _jsonable(v) for k, v in values.items()}))
    except (msgspec.ValidationError, TypeError, ValueError) as exc:
        raise StrategyError(f"strategy {name}: bad parameters: {exc}") from None
    return cls(config)


def _jsonable(value: Any) -> Any:
    if isinstance(value, InstrumentId | BarType):
        return str(value)
    if isinstance(value, str):
        low = value.lower()
        if low in ("true", "false"):
            return low == "true"
        for cast in (int, float):
            try:
                return cast(value)
            except ValueError:
                pass
    return value
