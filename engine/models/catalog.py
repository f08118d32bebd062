"""``ModelCatalog``: versioned, content-hashed models under ``<root>/<name>/<version>/``.

Each version folder holds ``card.json`` (a ``ModelCard``) and ``artifact/`` (the model's own
files: XGBoost UBJ, safetensors weights, JSON; never pickle). Versions are assigned 1, 2, ...:
the whole folder is written under a temporary name, then renamed into place, so a version is
either complete or absent and concurrent saves never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from engine.atomic import fsync_path, write_bytes_atomic
from engine.errors import ArtifactError, LineageError
from engine.models.card import (
    CARD_FILE,
    ModelCard,
    ModelRef,
    content_hash,
    library_versions,
    normalise_metadata,
)
from strategies.models import Model, load_model
from strategies.models.artifact import file_digests, tree_digest

DEFAULT_ROOT = Path("catalogs/models")
ARTIFACT_DIR = "artifact"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def parse_spec(spec: str) -> tuple[str, int | None]:
    """Split ``"name[:version]"``; the version, when given, is an integer >= 1."""
    name, sep, ver = str(spec).partition(":")
    if not _NAME.match(name):
        raise LineageError(
            f"model {spec!r}: name {name!r} invalid; expected letters, digits, '.', '_' or '-'"
        )
    if not sep:
        return name, None
    if not ver.isdigit() or int(ver) < 1:
        raise LineageError(f"model {spec!r}: version {ver!r} invalid; expected an integer >= 1")
    return name, int(ver)


class ModelCatalog:
    """Save and load models by name and version, verifying their content hash on every load."""

    def __init__(self, root: str | Path = DEFAULT_ROOT) -> None:
        self.root = Path(root)

    # -- queries --------------------------------------------------------------------------
    def versions(self, name: str) -> list[int]:
        """Saved versions of ``name``, ascending (empty when none)."""
        folder = self.root / name
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())

    def list(self) -> list[ModelRef]:
        """Every saved model, sorted by name then version (hashes as recorded, not re-verified)."""
        refs = []
        if not self.root.is_dir():
            return refs
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name)):
            for v in self.versions(folder.name):
                card = ModelCard.read(folder / str(v) / CARD_FILE)
                refs.append(ModelRef(folder.name, v, card.content_hash))
        return refs

    def path(self, spec: str | ModelRef) -> Path:
        """Folder of ``spec`` (latest version when none is given); raises if absent."""
        name, version = parse_spec(str(spec))
        have = self.versions(name)
        if not have:
            raise ArtifactError(
                f"model {name!r}: not found in {self.root}; expected a saved model of that name"
            )
        if version is None:
            version = have[-1]
        elif version not in have:
            raise ArtifactError(
                f"model {name}:{version}: not found in {self.root}; available versions {have}"
            )
        return self.root / name / str(version)

    # -- save -----------------------------------------------------------------------------
    def save(self, name: str, model: Model, metadata: dict[str, Any] | None = None) -> ModelRef:
        """Store ``model`` as the next version of ``name`` with ``metadata`` (see ``METADATA_FIELDS``)."""
        parse_spec(name)
        if ":" in name:
            raise LineageError(f"model name {name!r}: must not contain ':'; the catalog assigns versions")
        if not model.is_fitted:
            raise ArtifactError(f"model {name!r}: cannot save an unfitted {model.kind} model")
        meta = normalise_metadata(dict(metadata or {}))
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        try:
            artifact = tmp / ARTIFACT_DIR
            model.save(artifact)
            files = file_digests(artifact)
            card = ModelCard(
                name=name,
                version=0,
                kind=model.kind,
                params=model.params,
                artifact_digest=tree_digest(artifact),
                files=files,
                seed=int(meta.pop("seed", model.seed)),
                library_versions=library_versions(),
                **meta,
            )
            card = dataclasses.replace(card, content_hash=content_hash(artifact, files, card.hashed_fields()))
            while True:
                version = (self.versions(name) or [0])[-1] + 1
                write_bytes_atomic(tmp / CARD_FILE, dataclasses.replace(card, version=version).to_json())
                try:
                    os.rename(tmp, folder / str(version))
                except OSError as exc:  # another writer took this version first: try the next
                    if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                        continue
                    raise
                fsync_path(folder)
                return ModelRef(name, version, card.content_hash)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    # -- load -----------------------------------------------------------------------------
    def load(self, spec: str | ModelRef, expect_feature_digest: str | None = None) -> tuple[Model, ModelCard]:
        """Load ``"name[:version]"`` (latest when omitted) after verifying every byte of it.

        Raises ``ArtifactError`` naming the file or field when the artifact or card was altered,
        or when ``expect_feature_digest`` differs from the card's ``feature_digest``.
        """
        card = self.verify(spec)
        if isinstance(spec, ModelRef) and spec.content_hash and spec.content_hash != card.content_hash:
            raise ArtifactError(
                f"model {spec}: content_hash is {card.content_hash}; expected {spec.content_hash} (the ref's)"
            )
        if expect_feature_digest is not None and card.feature_digest != expect_feature_digest:
            raise ArtifactError(
                f"{self.path(spec) / CARD_FILE}: field 'feature_digest' is {card.feature_digest!r}; "
                f"expected {expect_feature_digest!r} (the features this model is used with)"
            )
        return load_model(self.path(spec) / ARTIFACT_DIR), card

    def verify(self, spec: str | ModelRef) -> ModelCard:
        """Check the card and every artifact file against the recorded hashes; return the card."""
        where = self.path(spec)
        card_path = where / CARD_FILE
        card = ModelCard.read(card_path)
        if card.name != where.parent.name or card.version != int(where.name):
            raise ArtifactError(
                f"{card_path}: names {card.name}:{card.version}; expected {where.parent.name}:{where.name}"
            )
        artifact = where / ARTIFACT_DIR
        actual = file_digests(artifact) if artifact.is_dir() else {}
        for rel, sha in card.files.items():
            if rel not in actual:
                raise ArtifactError(f"{artifact / rel}: missing; expected a file with sha256 {sha}")
            if actual[rel] != sha:
                raise ArtifactError(
                    f"{artifact / rel}: sha256 is {actual[rel]}; expected {sha} (the file was modified)"
                )
        for rel in sorted(set(actual) - set(card.files)):
            raise ArtifactError(f"{artifact / rel}: unexpected file; expected only {sorted(card.files)}")
        got = content_hash(artifact, card.files, card.hashed_fields())
        if got != card.content_hash:
            raise ArtifactError(
                f"{card_path}: field 'content_hash' is {card.content_hash}; the card and artifact hash to "
                f"{got} (the metadata was modified)"
            )
        return card

