"""Find a strategy class by short name or ``module:Class`` path and build it from ``key=value`` strings.

Works for any NautilusTrader ``Strategy`` whose ``__init__`` annotates ``config`` with its
``StrategyConfig`` subclass (NautilusTrader's own examples do), not only Lineage's baselines.
"""

from __future__ import annotations

import enum
import importlib
import types
import typing
from decimal import Decimal
from typing import Any

import msgspec
from nautilus_trader.common.config import msgspec_decoding_hook
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from engine.errors import LineageError

__all__ = [
    "SHORT_NAMES",
    "StrategyResolutionError",
    "build_strategy",
    "describe_type",
    "parse_params",
    "resolve_strategy",
]

SHORT_NAMES: dict[str, str] = {
    "buy-and-hold": "strategies.baselines.buy_and_hold:BuyAndHold",
    "ema-cross": "strategies.baselines.ma_cross:MovingAverageCross",
    "sma-cross": "strategies.baselines.ma_cross:MovingAverageCross",
    "xgb": "strategies.ml:MLStrategy",
    "mlp": "strategies.ml:MLStrategy",
    "lstm": "strategies.ml:MLStrategy",
    "ensemble": "strategies.ml:MLStrategy",
    "round-trip": "strategies.round_trip:RoundTrip",
}
# Parameters a short name implies unless the user sets them.
SHORT_NAME_DEFAULTS: dict[str, dict[str, str]] = {
    "ema-cross": {"kind": "ema"},
    "sma-cross": {"kind": "sma"},
    **{kind: {"model_kind": kind} for kind in ("xgb", "mlp", "lstm", "ensemble")},
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_NONE = {"none", "null"}


class StrategyResolutionError(LineageError):
    """A strategy name, parameter or value given by the user is not usable."""


def resolve_strategy(name_or_path: str) -> tuple[type[Strategy], type[StrategyConfig]]:
    """The Strategy class and its config class for a short name (``SHORT_NAMES``) or ``module:Class``."""
    path = SHORT_NAMES.get(name_or_path, name_or_path)
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name:
        raise StrategyResolutionError(
            f"unknown strategy {name_or_path!r}: expected one of {sorted(SHORT_NAMES)} or 'module:Class'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StrategyResolutionError(
            f"strategy {name_or_path!r}: cannot import module {module_name!r} ({exc})"
        ) from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise StrategyResolutionError(
            f"strategy {name_or_path!r}: {module_name} has no Strategy subclass named {class_name!r}"
        )
    return cls, _config_class(cls, name_or_path)


def _config_class(cls: type[Strategy], name: str) -> type[StrategyConfig]:
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception as exc:  # unresolvable annotations
        raise StrategyResolutionError(
            f"strategy {name!r}: cannot read its __init__ annotations ({exc})"
        ) from exc
    for candidate in _union_members(hints.get("config")):
        if isinstance(candidate, type) and issubclass(candidate, StrategyConfig):
            return candidate
    raise StrategyResolutionError(
        f"strategy {name!r}: expected __init__(self, config: <StrategyConfig subclass>), "
        f"found config annotation {hints.get('config')!r}"
    )


def build_strategy(
    name_or_path: str,
    params: dict[str, str],
    *,
    instrument_id: InstrumentId | str,
    bar_type: BarType | str,
    context: dict[str, Any] | None = None,
) -> Strategy:
    """Instantiate a strategy from ``key=value`` parameter strings.

    Values are converted to the config field's type (int, float, Decimal, bool, str, enums by
    name, InstrumentId, BarType, optional fields accept ``none``); ``instrument_id`` and
    ``bar_type`` fill the config fields of those names unless ``params`` sets them; so do the
    ``context`` values (e.g. the backtest's ``catalog``), for config fields that exist.
    Raises ``StrategyResolutionError`` for an unknown strategy or parameter or a bad value.
    """
    strategy_cls, config_cls = resolve_strategy(name_or_path)
    merged = {**SHORT_NAME_DEFAULTS.get(name_or_path, {}), **params}
    values = parse_params(config_cls, merged, name_or_path)
    fields = {f.name for f in msgspec.structs.fields(config_cls)}
    for key, value, kind in (("instrument_id", instrument_id, InstrumentId), ("bar_type", bar_type, BarType)):
        if key in fields and key not in values:
            values[key] = value if isinstance(value, kind) else _convert(key, str(value), kind, name_or_path)
    for key, value in (context or {}).items():
        if key in fields and key not in values:
            values[key] = value
    try:
        config = msgspec.convert(values, config_cls, dec_hook=_decode_hook)
    except msgspec.ValidationError as exc:
        raise StrategyResolutionError(f"strategy {name_or_path!r}: invalid configuration: {exc}") from exc
    try:
        return strategy_cls(config)
    except (ValueError, TypeError) as exc:
        raise StrategyResolutionError(
            f"strategy {name_or_path!r}: rejected its configuration: {exc}"
        ) from exc


def parse_params(config_cls: type[StrategyConfig], params: dict[str, str], name: str = "") -> dict[str, Any]:
    """Convert ``key -> string`` pairs to the types of ``config_cls``'s fields."""
    hints = typing.get_type_hints(config_cls, include_extras=True)
    valid = sorted(f.name for f in msgspec.structs.fields(config_cls))
    out: dict[str, Any] = {}
    for key, raw in params.items():
        if key not in hints or key not in valid:
            raise StrategyResolutionError(
                f"strategy {name or config_cls.__name__!r}: unknown parameter {key!r}; valid parameters: "
                + ", ".join(valid)
            )
        out[key] = _convert(key, str(raw), hints[key], name or config_cls.__name__)
    return out


def _convert(key: str, raw: str, annotation: Any, name: str) -> Any:
    members = _union_members(annotation)
    text = raw.strip()
    if type(None) in members and text.lower() in _NONE:
        return None
    target = next((m for m in members if m is not type(None)), annotation)
    base = typing.get_args(target)[0] if typing.get_origin(target) is typing.Annotated else target
    try:
        if base is bool:
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError(f"expected a boolean ({'/'.join(sorted(_TRUE | _FALSE))})")
            value: Any = text.lower() in _TRUE
        elif isinstance(base, type) and issubclass(base, enum.Enum):
            value = _enum_member(base, text)
        elif base is Decimal:
            try:
                value = Decimal(text)
            except ArithmeticError:
                raise ValueError("not a decimal number") from None
        else:
            value = msgspec.convert(text, base, strict=False, dec_hook=_decode_hook)
        # validate constraints such as Annotated[int, Meta(gt=0)] and Literal choices
        return msgspec.convert(value, target, dec_hook=_decode_hook)
    except Exception as exc:
        raise StrategyResolutionError(
            f"strategy {name!r}: parameter {key}={raw!r}: expected {describe_type(annotation)} ({exc})"
        ) from exc


def _enum_member(cls: type[enum.Enum], text: str) -> enum.Enum:
    for member in cls:
        if member.name.lower() == text.lower():
            return member
    raise ValueError(f"expected one of {[m.name for m in cls]}")


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def describe_type(annotation: Any) -> str:
    """A readable name of a field type: ``int``, ``Decimal or none``, ``one of 'ema', 'sma'``."""
    members = _union_members(annotation)
    if len(members) > 1:
        return " or ".join("none" if m is type(None) else describe_type(m) for m in members)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return describe_type(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    return getattr(annotation, "__name__", None) or str(annotation)


def _decode_hook(kind: type, obj: Any) -> Any:
    if isinstance(kind, type) and isinstance(obj, kind):
        return obj
    return msgspec_decoding_hook(kind, obj)
