"""Bad input is refused before anything is written, with file, row, field and expectation named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.catalog import dataset_info, import_files
from engine.errors import DataValidationError
from tests.catalog.conftest import SOURCES, catalog_files

ETH = pd.read_feather(SOURCES / "crypto/ETH_BTC-5m.feather").iloc[:60].reset_index(drop=True)
PRICES = ("open", "high", "low", "close")


@pytest.fixture(scope="module")
def base_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog already holding data for the same instrument, so 'unchanged' is meaningful."""
    root = tmp_path_factory.mktemp("base") / "cat"
    path = root.parent / "ETH_BTC-5m.feather"
    ETH.iloc[:20].to_feather(path)
    import_files([path], root)
    return root


def _corrupt(frame: pd.DataFrame, how: str, row: int, col: str) -> str:
    """Corrupt one cell in place; returns the field the error must name."""
    if how == "nan":
        frame.loc[row, col] = np.nan
    elif how == "inf":
        frame.loc[row, col] = np.inf
    elif how == "nonpositive":
        frame.loc[row, col] = -frame.loc[row, col] if col != "low" else 0.0
    elif how == "high_below_low":
        frame.loc[row, "high"] = frame.loc[row, "low"] * 0.9
        return "high"
    elif how == "open_outside":
        frame.loc[row, "open"] = frame.loc[row, "high"] * 1.01
        return "open"
    elif how == "close_outside":
        frame.loc[row, "close"] = frame.loc[row, "low"] * 0.99
        return "close"
    elif how == "negative_volume":
        frame.loc[row, "volume"] = -1.0
        return "volume"
    elif how == "duplicate_ts":
        frame.loc[row, "date"] = frame.loc[row - 1, "date"]
        return "ts"
    elif how == "unsorted_ts":
        frame.loc[[row - 1, row], "date"] = frame.loc[[row, row - 1], "date"].to_numpy()
        return "ts"
    return col


HOWS = ["nan", "inf", "nonpositive", "high_below_low", "open_outside", "close_outside", "negative_volume",
        "duplicate_ts", "unsorted_ts"]  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=st.sampled_from(HOWS), row=st.integers(20, 59), col=st.sampled_from(PRICES))
def test_corrupt_cell_is_named_and_nothing_written(
    base_catalog: Path, tmp_path: Path, how: str, row: int, col: str
) -> None:
    _check_corruption(base_catalog, tmp_path, how, row, col)


@pytest.mark.parametrize("how", HOWS)
def test_every_check_fires(base_catalog: Path, tmp_path: Path, how: str) -> None:
    _check_corruption(base_catalog, tmp_path, how, 33, "high")


def _check_corruption(base_catalog: Path, tmp_path: Path, how: str, row: int, col: str) -> None:
    """Corrupt one cell of a valid real slice: the error names it and the catalog is unchanged."""
    frame = ETH.copy()
    field = _corrupt(frame, how, row, col)
    path = tmp_path / "ETH_BTC-5m.feather"
    frame.iloc[20:].reset_index(drop=True).to_feather(path)
    before = catalog_files(base_catalog)
    with pytest.raises(DataValidationError) as err:
        import_files([path], base_catalog)
    message = str(err.value)
    assert str(path) in message
    assert f"row {row - 20 + 1}," in message, message
    assert f"field '{field}'" in message and "expected" in message
    assert err.value.row == row - 20 and err.value.field == field
    assert catalog_files(base_catalog) == before


def _csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unknown_column_and_timezone(tmp_path: Path) -> None:
    root = tmp_path / "cat"
    header = "timestamp,open,high,low,close"
    extra = _csv(tmp_path, "X-1m.csv", [header + ",colour", "2020-01-01 00:00,1,2,1,2,red"])
    with pytest.raises(DataValidationError, match=r"field 'colour': unknown column"):
        import_files([extra], root)
    rows = ["2020-01-01 00:00:00+00:00,1,2,1,2", "2020-01-01 00:01:00 XYZ,1,2,1,2"]
    tz = _csv(tmp_path, "Y-1m.csv", [header, *rows])
    with pytest.raises(DataValidationError, match=r"row 2, line 3: field 'timestamp'.*timezone") as err:
        import_files([tz], root)
    assert str(tz) in str(err.value)
    assert not root.exists()


def test_offsets_are_converted_and_naive_is_utc(tmp_path: Path) -> None:
    header = "timestamp,open,high,low,close"
    lines = [header, "2020-01-01 01:00:00+01:00,1,2,1,2", "2020-01-01 00:01:00,1,2,1,2"]
    report = import_files([_csv(tmp_path, "Z-1m.csv", lines)], tmp_path / "cat")[0]
    assert report.start == pd.Timestamp("2020-01-01 00:01", tz="UTC")  # first bar open 00:00 UTC + 1 minute
    assert report.end == pd.Timestamp("2020-01-01 00:02", tz="UTC")


def test_wrong_bar_spec_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ETH_BTC-5m.feather"
    ETH.to_feather(path)
    with pytest.raises(DataValidationError, match=r"row 2, .*field 'ts'.*at least one 1-HOUR interval apart"):
        import_files([path], tmp_path / "cat", bar="1-HOUR")


def test_batch_is_all_or_nothing(tmp_path: Path) -> None:
    good, bad = tmp_path / "ETH_BTC-5m.feather", tmp_path / "ETC_BTC-5m.feather"
    ETH.to_feather(good)
    broken = ETH.copy()
    broken.loc[7, "volume"] = -3.0
    broken.to_feather(bad)
    root = tmp_path / "cat"
    with pytest.raises(DataValidationError, match=r"ETC_BTC-5m.feather, row 8,.*field 'volume'"):
        import_files([good, bad], root)
    assert catalog_files(root) == {}


def test_overlap_is_refused_before_writing(tmp_path: Path) -> None:
    first, overlapping, adjacent = (tmp_path / f"{n}" / "ETH_BTC-5m.feather" for n in ("a", "b", "c"))
    for path, rows in ((first, slice(0, 20)), (overlapping, slice(10, 30)), (adjacent, slice(20, 40))):
        path.parent.mkdir()
        ETH.iloc[rows].reset_index(drop=True).to_feather(path)
    root = tmp_path / "cat"
    import_files([first], root)
    before = catalog_files(root)
    with pytest.raises(DataValidationError, match=r"row 1, .*field 'ts': overlaps data in the catalog"):
        import_files([overlapping], root)
    assert catalog_files(root) == before
    with pytest.raises(DataValidationError, match=r"overlaps rows from"):  # two files in one call
        import_files([adjacent, overlapping], tmp_path / "other")
    import_files([adjacent], root)  # touching but not overlapping: accepted and merged
    info = dataset_info(root, "ETHBTC.SIM", "bars", "5-MINUTE")
    assert info["rows"] == 40 and len(info["sources"]) == 2 and info["gaps"] == 0


def test_digest_stable_and_sensitive(tmp_path: Path) -> None:
    path = tmp_path / "ETH_BTC-5m.feather"
    ETH.to_feather(path)
    one = import_files([path], tmp_path / "one")[0].digest
    two = import_files([path], tmp_path / "two")[0].digest
    assert one == two
    changed = ETH.copy()
    changed.loc[30, "close"] = changed.loc[30, "low"]  # still valid, one value differs
    assert changed.loc[30, "close"] != ETH.loc[30, "close"]
    changed.to_feather(path)
    assert import_files([path], tmp_path / "three")[0].digest != one
