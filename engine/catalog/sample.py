"""The bundled sample catalog, built from ``catalogs/sources/`` on first use."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

from engine.catalog.importer import import_files
from engine.catalog.metadata import meta_path

REPO_CATALOGS = Path(__file__).resolve().parents[2] / "catalogs"
SAMPLE_SOURCES: tuple[str, ...] = (
    "crypto/ETH_BTC-5m.feather",
    "crypto/BTC-PERP-1m-2022-01.csv",
    "crypto/XRP_ETH-1m.feather",
    "crypto/XRP_ETH-trades.feather",
    "crypto/BTCUSDT-trades-2021-01-08.parquet",
    "crypto/BTCUSDT-quotes-2021-01-08.parquet",
    "equities/orcl-1995-2014.csv",
)


def sample_catalog(root: Path | None = None) -> Path:
    """Path of ``<root>/sample`` (root defaults to the repo's ``catalogs/``), built if missing.

    Idempotent: an existing sample is returned untouched. The build goes to a temporary folder
    beside it and is renamed into place, so a half-built sample is never visible.
    """
    root = Path(root) if root is not None else REPO_CATALOGS
    target = root / "sample"
    if meta_path(target).exists():
        return target
    with FileLock(str(root / ".sample.lock")):
        if meta_path(target).exists():
            return target
        tmp = Path(tempfile.mkdtemp(prefix=".sample-build-", dir=root))
        try:
            build = tmp / "sample"
            import_files([root / "sources" / rel for rel in SAMPLE_SOURCES], build)
            if target.exists():  # a leftover without metadata: never complete, replace it
                shutil.rmtree(target)
            os.replace(build, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target
