"""The model catalog: versioned, content-hashed, pickle-free model artifacts with metadata cards."""

from engine.models.card import METADATA_FIELDS, ModelCard, ModelRef
from engine.models.catalog import DEFAULT_ROOT, ModelCatalog, parse_spec

__all__ = ["DEFAULT_ROOT", "METADATA_FIELDS", "ModelCard", "ModelCatalog", "ModelRef", "parse_spec"]
