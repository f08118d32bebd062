"""Round trip: what is appended is what is read back, and the chain head is a pure function."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.eventlog import EventLog, read_log, verify_log
from engine.eventlog.segments import list_segments
from tests.eventlog.conftest import plain

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=None)
)
payloads = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
events = st.lists(
    st.tuples(st.text(min_size=1, max_size=16), st.dictionaries(st.text(max_size=8), payloads, max_size=4)),
    max_size=25,
)


def append_all(directory: Path, items: list[tuple[str, dict[str, Any]]], **options: Any) -> str:
    with EventLog.create(directory, **options) as log:
        for kind, data in items:
            log.append(kind, data)
        return log.head


@settings(max_examples=30, deadline=None)
@given(
    items=events,
    segment_records=st.integers(2, 9),
    group_size=st.integers(1, 5),
    durability=st.sampled_from(["group", "group", "record", "background"]),  # record: slow fsyncs
)
def test_appended_records_read_back_equal_and_head_is_pure(
    items: list[tuple[str, dict[str, Any]]], segment_records: int, group_size: int, durability: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "a", Path(tmp) / "b"
        options = {"segment_records": segment_records, "group_size": group_size, "durability": durability}
        head_one = append_all(one, items, **options)
        # Same appends, different segmenting and batching: same records, same chain head.
        head_two = append_all(two, items)
        assert head_one == head_two
        back = list(read_log(one))
        assert [(r.seq, r.kind, r.data) for r in back] == [(i, k, plain(d)) for i, (k, d) in enumerate(items)]
        assert [r.chain for r in back] == [r.chain for r in read_log(two)]
        report = verify_log(one)
        assert report.ok, report.error
        assert report.records == len(items)
        assert report.head == head_one
        assert report.sealed == len(items) // segment_records
        assert len(list_segments(one)) == report.sealed + 1


def test_decimals_come_back_as_their_exact_strings(log_dir: Path) -> None:
    with EventLog.create(log_dir) as log:
        stored = log.append("OrderFilled", {"px": Decimal("0.00001230"), "qty": Decimal("1E+3")})
    (record,) = read_log(log_dir)
    assert record.data == {"px": "0.00001230", "qty": "1E+3"}
    assert record.chain == stored.chain


@settings(max_examples=10, deadline=None)
@given(first=st.integers(0, 12), second=st.integers(0, 12), segment_records=st.integers(2, 6))
def test_reopening_continues_the_chain(first: int, second: int, segment_records: int) -> None:
    items = [("Tick", {"i": i, "px": Decimal(i) / 7}) for i in range(first + second)]
    with tempfile.TemporaryDirectory() as tmp:
        split, whole = Path(tmp) / "split", Path(tmp) / "whole"
        append_all(split, items[:first], segment_records=segment_records)
        with EventLog.open(split, segment_records=segment_records) as log:
            assert log.count == first
            for kind, data in items[first:]:
                log.append(kind, data)
            head = log.head
        assert head == append_all(whole, items)
        assert verify_log(split).ok
        assert [r.data for r in read_log(split)] == [plain(d) for _, d in items]


def test_group_commit_writes_only_on_group_or_flush(log_dir: Path) -> None:
    log = EventLog.create(log_dir, group_size=3)
    try:
        log.append("A", {})
        log.append("B", {})
        assert verify_log(log_dir).records == 0  # still buffered in memory
        log.append("C", {})
        assert verify_log(log_dir).records == 3  # a full group is written
        log.append("D", {})
        log.flush()
        assert verify_log(log_dir).records == 4
    finally:
        log.close()
    log.close()  # closing twice is harmless
