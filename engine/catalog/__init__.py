"""Market data catalog: import real source files into a NautilusTrader ``ParquetDataCatalog``.

Bars are stamped ``ts_init`` = bar close (open + interval); everything is validated before anything
is written; per-dataset metadata (digest, gaps, instrument class) lives in ``DIR/_lineage/datasets.json``.
"""

from engine.catalog.errors import DatasetNotFoundError
from engine.catalog.importer import ImportReport, import_files
from engine.catalog.metadata import read_datasets
from engine.catalog.query import bars_frame, dataset_info, load_bars, load_instrument, open_catalog
from engine.catalog.sample import sample_catalog

__all__ = [
    "DatasetNotFoundError",
    "ImportReport",
    "bars_frame",
    "dataset_info",
    "import_files",
    "load_bars",
    "load_instrument",
    "open_catalog",
    "read_datasets",
    "sample_catalog",
]
