"""A catalog holding only what was known at a cut time: the instrument and its bars up to the cut.

Reruns point strategies at this copy (as their ``catalog``), so any read of the catalog a strategy
makes on the side (a preloaded frame, a batch fast path) sees no data after the cut either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from nautilus_trader.model.data import Bar
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from engine.catalog.metadata import write_datasets


def write_truncated_catalog(
    directory: Path, instrument: Instrument, bars: Sequence[Bar], entry: dict[str, Any]
) -> Path:
    """Write ``instrument`` and ``bars`` (already cut) as a catalog with one dataset entry.

    ``entry`` is the source dataset's metadata; its row count, end and digest are updated and
    ``truncated_at`` (ns) records the cut. Returns ``directory``.
    """
    directory = Path(directory)
    catalog = ParquetDataCatalog(str(directory))
    catalog.write_data([instrument])
    if bars:
        catalog.write_data(list(bars))
    cut = bars[-1].ts_init if bars else entry.get("start_ns", 0)
    meta = dict(entry)
    meta.update(
        rows=len(bars),
        end_ns=int(cut),
        end=pd.Timestamp(int(cut), tz="UTC").isoformat(),
        truncated_at=int(cut),
        digest=hashlib.sha256(f"{entry.get('digest', '')}|cut={cut}".encode()).hexdigest(),
        sources=[],
    )
    write_datasets(directory, {meta["key"]: meta})
    return directory
