"""Shared fixtures: the repo's bundled real data and one catalog holding all of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.catalog import import_files

SOURCES = Path(__file__).resolve().parents[2] / "catalogs" / "sources"
ALL_FILES = sorted(p for p in SOURCES.rglob("*") if p.suffix in (".csv", ".feather", ".parquet"))


def catalog_files(directory: Path) -> dict[str, int]:
    """Every file under ``directory`` with its size (to prove a failed import wrote nothing)."""
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.stat().st_size for p in sorted(directory.rglob("*"))}


@pytest.fixture(scope="session")
def full_catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """All 17 bundled files imported into one catalog (one call), with the reports."""
    root = tmp_path_factory.mktemp("full") / "catalog"
    reports = import_files(ALL_FILES, root)
    return root, reports
