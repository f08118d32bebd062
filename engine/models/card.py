"""``ModelRef`` (name:version + content hash) and ``ModelCard`` (the metadata of one saved model)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ArtifactError
from strategies.models.artifact import canonical_json

CARD_FILE = "card.json"
METADATA_FIELDS = (
    "feature_set",
    "feature_digest",
    "label_spec",
    "train_start",
    "train_end",
    "data_digest",
    "metrics",
    "parent",
    "seed",
    "created_by",
    "extra",
)
"""Keys a caller may pass in ``ModelCatalog.save(..., metadata=...)``."""
UNHASHED_FIELDS = frozenset({"name", "version", "content_hash"})


@dataclass(frozen=True)
class ModelRef:
    """A saved model: ``str(ref) == "name:version"``; ``content_hash`` pins its exact bytes."""

    name: str
    version: int
    content_hash: str

    def __str__(self) -> str:
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class ModelCard:
    """Metadata of one saved model, stored as ``card.json`` beside its artifact.

    ``content_hash`` is sha256 over the artifact files (sorted relative paths and bytes) and the
    canonical JSON of every field except ``name``, ``version`` and ``content_hash`` itself, so the
    same seed and data give the same hash whatever version number the catalog assigns.
    """

    name: str
    version: int
    kind: str
    params: dict[str, Any]
    artifact_digest: str
    files: dict[str, str]
    seed: int
    library_versions: dict[str, str]
    feature_set: dict[str, Any] | None = None
    feature_digest: str | None = None
    label_spec: dict[str, Any] | None = None
    train_start: str | None = None
    train_end: str | None = None
    data_digest: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    created_by: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None
    content_hash: str = ""

    def hashed_fields(self) -> dict[str, Any]:
        """Every field that the content hash covers."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in UNHASHED_FIELDS}

    def to_json(self) -> bytes:
        """Canonical JSON of the whole card (the stored ``card.json``)."""
        return canonical_json(dataclasses.asdict(self)) + b"\n"

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        """Parse a stored ``card.json``; unknown or missing fields are refused."""
        try:
            doc = json.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise ArtifactError(f"{path}: missing; expected the model card") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"{path}: not valid JSON ({exc}); expected the model card") from exc
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(doc) - names)
        if unknown:
            raise ArtifactError(f"{path}: unknown field(s) {unknown}; expected only {sorted(names)}")
        try:
            return cls(**doc)
        except TypeError as exc:
            raise ArtifactError(f"{path}: fields missing ({exc})") from exc


def content_hash(artifact_dir: Path, files: dict[str, str], hashed: dict[str, Any]) -> str:
    """sha256 over the files (sorted relative paths, lengths, bytes) then the canonical metadata."""
    h = hashlib.sha256()
    for rel in sorted(files):
        data = (Path(artifact_dir) / rel).read_bytes()
        h.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    h.update(b"\0card\0" + canonical_json(hashed))
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a model's bytes and outputs (torch's from its
    distribution metadata -- the same string as ``torch.__version__`` -- so that saving an
    XGBoost model does not import torch, ~1.2 s of CPU in every walk-forward worker)."""
    from importlib.metadata import version

    import numpy
    import safetensors
    import xgboost

    torch = sys.modules.get("torch")
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "xgboost": xgboost.__version__,
        "torch": torch.__version__ if torch is not None else version("torch"),
        "safetensors": safetensors.__version__,
    }


def normalise_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Check caller metadata keys and make values JSON-able (timestamps -> ISO 8601 strings)."""
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        raise ArtifactError(f"metadata: unknown key(s) {unknown}; expected some of {list(METADATA_FIELDS)}")
    out = dict(metadata)
    for key in ("train_start", "train_end"):
        value = out.get(key)
        if isinstance(value, dt.datetime | dt.date):
            out[key] = value.isoformat()
        elif value is not None and not isinstance(value, str):
            raise ArtifactError(f"metadata: {key!r} is {value!r}; expected an ISO 8601 string or datetime")
    if out.get("parent") is not None:
        out["parent"] = str(out["parent"])
    if out.get("feature_set") is not None and out.get("feature_digest") is None:
        out["feature_digest"] = hashlib.sha256(canonical_json(out["feature_set"])).hexdigest()
    for key, value in out.items():
        try:
            canonical_json(value)
        except (TypeError, ValueError) as exc:
            raise ArtifactError(
                f"metadata: {key!r} is not canonical JSON ({exc}); expected finite numbers, "
                "strings, lists and dicts"
            ) from exc
    return out
