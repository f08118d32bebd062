"""Feature sets declared as data: names + params, JSON round trip and a stable digest."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from indicators.errors import FeatureError
from indicators.library import get_kind
from indicators.library.registry import Kind, format_param

SCHEME = 2  # bump when the meaning of a (name, params) pair or the anchoring rule changes
MIN_BLOCK, MIN_BLOCK_HEAVY = 2048, 256


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: a registered kind and its parameter values (positional, in declared order)."""

    kind: str
    params: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        k = get_kind(self.kind, where=f"feature {self.kind!r}")
        if len(self.params) != len(k.params):
            raise FeatureError(
                f"feature {self.kind!r}: expects {len(k.params)} parameter(s) "
                f"{[p.name for p in k.params]}, got {list(self.params)}"
            )
        parsed = tuple(
            p.parse(v, f"feature {self.kind!r}") for p, v in zip(k.params, self.params, strict=True)
        )
        object.__setattr__(self, "params", parsed)
        try:
            lookback = int(k.lookback(*parsed))
        except Exception as exc:  # TA-Lib rejects out-of-range parameters here
            raise FeatureError(f"feature {self.name!r}: bad parameters {list(parsed)}: {exc}") from exc
        if lookback < 0:
            raise FeatureError(
                f"feature {self.name!r}: bad parameters {list(parsed)} (TA-Lib lookback {lookback})"
            )

    @classmethod
    def parse(cls, name: str) -> FeatureSpec:
        """Build a spec from its name, e.g. ``rsi_14``, ``bbpctb_20_2``, ``cdl_doji``."""
        if not isinstance(name, str) or not name:
            raise FeatureError(f"feature name must be a non-empty string, got {name!r}")
        kind, *tokens = name.split("_")
        spec = cls(kind, tuple(tokens))
        if spec.name != name:
            raise FeatureError(f"feature {name!r}: not in canonical form, expected {spec.name!r}")
        return spec

    @property
    def kind_def(self) -> Kind:
        return get_kind(self.kind)

    @property
    def name(self) -> str:
        return "_".join((self.kind, *(format_param(v) for v in self.params)))

    @property
    def lookback(self) -> int:
        """Rows before the first value TA-Lib (or the kind) can produce."""
        return int(self.kind_def.lookback(*self.params))

    @property
    def warmup(self) -> int:
        """Rows of history before a value is emitted: lookback + recursion settle; earlier rows are NaN."""
        k = self.kind_def
        return self.lookback + (int(k.settle(*self.params)) if k.mode == "anchored" else 0)

    @property
    def block(self) -> int:
        """Anchor step for ``anchored`` kinds: values at row t use rows from the last anchor <= t - warmup."""
        k = self.kind_def
        if k.heavy:
            return max(3 * self.warmup, k.min_block or MIN_BLOCK_HEAVY)
        return max(4 * self.warmup, k.min_block or MIN_BLOCK)

    @property
    def phase(self) -> int:
        """Anchor offset in ``[0, block)`` for ``anchored`` kinds (0 otherwise).

        Anchors sit at ``phase + k * block``, so features with the same block reach their longest
        window on different bars, which flattens the streaming cost per bar (its p99).
        """
        k = self.kind_def
        if k.mode != "anchored":
            return 0
        key = "|".join((k.family or k.name, *(format_param(v) for v in self.params)))
        return zlib.crc32(key.encode()) % self.block

    def anchor(self, t: int) -> int:
        """First row of the window the value at row ``t`` is computed over (``anchored`` kinds)."""
        s, p = self.block, self.phase
        return max(0, p + ((t - self.warmup - p) // s) * s)

    def to_dict(self) -> dict[str, Any]:
        k = self.kind_def
        return {
            "name": self.name,
            "kind": self.kind,
            "params": {p.name: v for p, v in zip(k.params, self.params, strict=True)},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "feature") -> FeatureSpec:
        if not isinstance(d, dict) or "kind" not in d:
            raise FeatureError(f"{where}: expected an object with 'kind' and 'params', got {d!r}")
        k = get_kind(d["kind"], where=where)
        params = d.get("params", {})
        if not isinstance(params, dict) or set(params) != {p.name for p in k.params}:
            raise FeatureError(
                f"{where}: kind {k.name!r} expects params {[p.name for p in k.params]}, got {params!r}"
            )
        spec = cls(k.name, tuple(params[p.name] for p in k.params))
        if "name" in d and d["name"] != spec.name:
            raise FeatureError(f"{where}: name {d['name']!r} does not match its kind/params ({spec.name!r})")
        return spec


@dataclass(frozen=True)
class FeatureSet:
    """An ordered, duplicate-free tuple of features; immutable, serialisable and hashable."""

    features: tuple[FeatureSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))
        if not self.features:
            raise FeatureError("a FeatureSet needs at least one feature")
        seen: set[str] = set()
        for f in self.features:
            if not isinstance(f, FeatureSpec):
                raise FeatureError(f"FeatureSet items must be FeatureSpec, got {f!r}")
            if f.name in seen:
                raise FeatureError(f"feature {f.name!r} appears twice in the FeatureSet")
            seen.add(f.name)

    @classmethod
    def from_names(cls, names: list[str] | tuple[str, ...]) -> FeatureSet:
        """Build a set from canonical names, e.g. ``["rsi_14", "ema_50", "cdl_doji"]``."""
        return cls(tuple(FeatureSpec.parse(n) for n in names))

    @classmethod
    def default(cls) -> FeatureSet:
        """The standard library set (100+ features) that models train on."""
        from indicators.defaults import DEFAULT_NAMES

        return cls.from_names(DEFAULT_NAMES)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def lookback(self) -> int:
        """Largest lookback over the features (rows needed before any feature has a value)."""
        return max(f.lookback for f in self.features)

    @property
    def warmup(self) -> int:
        """Largest warm-up over the features: from this row on every feature has its value."""
        return max(f.warmup for f in self.features)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): the digest is the sha256 of this text."""
        doc = {"scheme": SCHEME, "features": [f.to_dict() for f in self.features]}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, s: str, source: str = "feature set JSON") -> FeatureSet:
        try:
            doc = json.loads(s)
        except json.JSONDecodeError as exc:
            raise FeatureError(f"{source}: not valid JSON: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            raise FeatureError(f"{source}: expected an object with a 'features' list")
        if doc.get("scheme", SCHEME) != SCHEME:
            raise FeatureError(f"{source}: scheme {doc.get('scheme')!r} is not supported (expected {SCHEME})")
        return cls(
            tuple(FeatureSpec.from_dict(d, f"{source}: features[{i}]") for i, d in enumerate(doc["features"]))
        )

    @cached_property
    def digest(self) -> str:
        """sha256 hex of ``to_json()``; models record it to bind themselves to this exact set."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()
