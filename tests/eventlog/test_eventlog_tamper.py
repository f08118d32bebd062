"""Tampering and damage: every kind is caught by ``verify_log`` at the right record, and only a
torn final record is ever recovered by ``EventLog.open``."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LogIntegrityError
from engine.eventlog import RECOVERED_KIND, EventLog, checkpoint_of, read_log, verify_log
from engine.eventlog.framing import chain_hash, encode_frame
from engine.eventlog.segments import seal_path, segment_path
from tests.eventlog.conftest import FrameAt, fill_event, frames, write_log

N = 14
SEGMENT = 5  # records 0-4, 5-9 in sealed segments, 10-13 in the open last one


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pristine") / "log"
    write_log(directory, N, segment_records=SEGMENT)
    return directory


def copy_of(pristine: Path, into: Path) -> Path:
    target = into / "log"
    shutil.copytree(pristine, target)
    return target


def assert_refused(directory: Path, first_bad: int) -> None:
    """Verification names ``first_bad`` and the writer refuses to open the log."""
    report = verify_log(directory)
    assert not report.ok
    assert report.error is not None and report.torn_tail is None
    assert report.first_bad == first_bad, report.error
    with pytest.raises(LogIntegrityError) as raised:
        EventLog.open(directory)
    assert raised.value.index == first_bad
    with pytest.raises(LogIntegrityError):
        list(read_log(directory))
    # The refused open released its lock: a second attempt fails the same way, not as locked.
    with pytest.raises(LogIntegrityError):
        EventLog.open(directory)


def rewrite_segment(frame: FrameAt, directory: Path, new: bytes) -> None:
    segment_path(directory, frame.segment).write_bytes(new)


def test_pristine_log_verifies(pristine: Path) -> None:
    report = verify_log(pristine)
    assert report.ok and report.records == N and report.sealed == 2 and report.segments == 3


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_flipped_byte_is_caught_at_its_record(pristine: Path, data: st.DataObject) -> None:
    layout = frames(pristine)
    total = sum(f.end - f.start for f in layout)
    position = data.draw(st.integers(0, total - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor mask")
    for frame in layout:
        if position < frame.end - frame.start:
            break
        position -= frame.end - frame.start
    with tempfile.TemporaryDirectory() as tmp:
        directory = copy_of(pristine, Path(tmp))
        raw = bytearray(segment_path(directory, frame.segment).read_bytes())
        raw[frame.start + position] ^= mask
        rewrite_segment(frame, directory, bytes(raw))
        assert_refused(directory, frame.seq)


@pytest.mark.parametrize("victim", [0, 3, 4, 5, 11, 12])
def test_deleted_record_is_caught(pristine: Path, tmp_path: Path, victim: int) -> None:
    directory = copy_of(pristine, tmp_path)
    frame = frames(directory)[victim]
    raw = segment_path(directory, frame.segment).read_bytes()
    rewrite_segment(frame, directory, raw[: frame.start] + raw[frame.end :])
    # The next record no longer follows; if the victim ended a sealed segment, its seal misses it.
    assert_refused(directory, victim)


@pytest.mark.parametrize("position", [0, 2, 5, 7, 10, 13])
@pytest.mark.parametrize("valid_chain", [True, False])
def test_inserted_record_is_caught(pristine: Path, tmp_path: Path, position: int, valid_chain: bool) -> None:
    directory = copy_of(pristine, tmp_path)
    layout = frames(directory)
    frame = layout[position]
    prev = bytes.fromhex(list(read_log(directory))[position - 1].chain) if position else bytes(32)
    record = json.dumps({"data": {"forged": True}, "kind": "OrderFilled", "seq": position}).encode()
    forged = encode_frame(chain_hash(prev, record) if valid_chain else bytes(32), record)
    raw = segment_path(directory, frame.segment).read_bytes()
    rewrite_segment(frame, directory, raw[: frame.start] + forged + raw[frame.start :])
    # A forged frame with a correct chain hash verifies itself; the displaced record cannot.
    assert_refused(directory, position + 1 if valid_chain else position)


@pytest.mark.parametrize(("i", "j"), [(0, 1), (2, 4), (10, 13), (12, 13)])
def test_swapped_records_are_caught(pristine: Path, tmp_path: Path, i: int, j: int) -> None:
    directory = copy_of(pristine, tmp_path)
    layout = frames(directory)
    a, b = layout[i], layout[j]
    raw = segment_path(directory, a.segment).read_bytes()
    swapped = (
        raw[: a.start] + raw[b.start : b.end] + raw[a.end : b.start] + raw[a.start : a.end] + raw[b.end :]
    )
    rewrite_segment(a, directory, swapped)
    assert_refused(directory, i)


@pytest.mark.parametrize("victim", [10, 12, 13])
@pytest.mark.parametrize("keep", [1, 7, 8, 39, 40, 41])
def test_torn_tail_is_recovered(pristine: Path, tmp_path: Path, victim: int, keep: int) -> None:
    directory = copy_of(pristine, tmp_path)
    frame = frames(directory)[victim]
    raw = segment_path(directory, frame.segment).read_bytes()
    rewrite_segment(frame, directory, raw[: frame.start + keep])
    report = verify_log(directory)
    assert not report.ok and report.error is None
    assert report.first_bad == victim and report.records == victim
    assert report.torn_tail == {"segment": 2, "offset": frame.start, "bytes": keep, "seq": victim}
    with pytest.raises(LogIntegrityError):
        list(read_log(directory, allow_torn_tail=False))
    assert len(list(read_log(directory))) == victim
    with EventLog.open(directory) as log:
        assert log.count == victim + 1
        log.append("OrderFilled", fill_event(99))
    records = list(read_log(directory))
    assert records[victim].kind == RECOVERED_KIND
    assert records[victim].data == {"segment": 2, "offset": frame.start, "bytes": keep}
    report = verify_log(directory)
    assert report.ok and report.records == victim + 2


def test_cut_inside_a_sealed_segment_is_not_recoverable(pristine: Path, tmp_path: Path) -> None:
    directory = copy_of(pristine, tmp_path)
    frame = frames(directory)[7]
    raw = segment_path(directory, frame.segment).read_bytes()
    rewrite_segment(frame, directory, raw[: frame.start + 20])
    assert_refused(directory, 7)


def test_cut_at_a_record_boundary_needs_a_checkpoint_or_run_ended(pristine: Path, tmp_path: Path) -> None:
    directory = copy_of(pristine, tmp_path)
    with EventLog.open(directory) as log:  # default segment size: segment 2 stays open
        log.append("RunEnded", {"records": N})
        checkpoint = log.checkpoint()
    assert verify_log(directory, checkpoint=checkpoint, expect_last_kind="RunEnded").ok
    frame = frames(directory)[12]
    raw = segment_path(directory, frame.segment).read_bytes()
    rewrite_segment(frame, directory, raw[: frame.start])
    alone = verify_log(directory)
    assert alone.ok and alone.records == 12  # a clean cut is invisible to the chain alone
    with_checkpoint = verify_log(directory, checkpoint=checkpoint)
    assert not with_checkpoint.ok and with_checkpoint.first_bad == 12
    ended = verify_log(directory, expect_last_kind="RunEnded")
    assert not ended.ok and ended.first_bad == 12


def test_deleted_last_segments_are_caught_by_checkpoint_and_orphan_seal(
    pristine: Path, tmp_path: Path
) -> None:
    directory = copy_of(pristine, tmp_path)
    checkpoint = checkpoint_of(directory)
    segment_path(directory, 2).unlink()
    # Segment 1 is now last and sealed: chain-consistent, but a checkpoint knows better.
    assert verify_log(directory).ok
    report = verify_log(directory, checkpoint=checkpoint)
    assert not report.ok and report.first_bad == 10
    segment_path(directory, 1).unlink()
    assert_refused(directory, 5)  # seal 000001 now has no segment file


@pytest.mark.parametrize("changed", [0, 3, 6, 9, 10, 13])
def test_consistent_rewrite_is_caught_only_by_a_checkpoint(
    pristine: Path, tmp_path: Path, changed: int
) -> None:
    checkpoint = checkpoint_of(pristine)
    directory = tmp_path / "rewritten"
    with EventLog.create(directory, segment_records=SEGMENT) as log:
        for record in read_log(pristine):
            data = {**record.data, "last_qty": "1000000"} if record.seq == changed else record.data
            log.append(record.kind, data)
    assert verify_log(directory).ok
    report = verify_log(directory, checkpoint=checkpoint)
    assert not report.ok
    # Matching sealed Merkle roots vouch for whole segments; the first unvouched record is named.
    assert report.first_bad == changed // SEGMENT * SEGMENT, report.error
    early = {"seq": 4, "head": list(read_log(pristine))[4].chain, "sealed_merkle_roots": []}
    assert verify_log(directory, checkpoint=early).ok == (changed > 4)


@pytest.mark.parametrize(
    ("field", "deep_only"),
    [("merkle_root", True), ("sha256", True), ("head", False), ("first_seq", False), ("last_seq", False)],
)
@pytest.mark.parametrize("segment", [0, 1])
def test_edited_seal_is_caught(
    pristine: Path, tmp_path: Path, field: str, deep_only: bool, segment: int
) -> None:
    directory = copy_of(pristine, tmp_path)
    path = seal_path(directory, segment)
    seal = json.loads(path.read_text())
    seal[field] = seal[field] + 1 if isinstance(seal[field], int) else "ab" * 32
    path.write_text(json.dumps(seal))
    first = segment * SEGMENT
    # The seal no longer vouches for its segment; a moved end names the first record it disowns.
    assert_refused(directory, first + SEGMENT if field == "last_seq" else first)
    assert verify_log(directory, deep=False).ok == deep_only


@pytest.mark.parametrize("content", ["{not json", "[]", '{"segment": 0}', ""])
def test_unreadable_or_missing_seal_is_caught(pristine: Path, tmp_path: Path, content: str) -> None:
    directory = copy_of(pristine, tmp_path)
    path = seal_path(directory, 1)
    if content:
        path.write_text(content)
    else:
        path.unlink()
    assert_refused(directory, 5)


def test_misnumbered_segments_are_refused(pristine: Path, tmp_path: Path) -> None:
    directory = copy_of(pristine, tmp_path)
    segment_path(directory, 1).rename(segment_path(directory, 7))
    report = verify_log(directory)
    assert not report.ok and "numbered" in (report.error or "")
    with pytest.raises(LogIntegrityError):
        EventLog.open(directory)


def test_record_smuggled_into_a_sealed_segment_is_caught(pristine: Path, tmp_path: Path) -> None:
    directory = copy_of(pristine, tmp_path)
    last = list(read_log(directory))[SEGMENT - 1]
    record = json.dumps({"data": {}, "kind": "Forged", "seq": SEGMENT}).encode()
    forged = encode_frame(chain_hash(bytes.fromhex(last.chain), record), record)
    path = segment_path(directory, 0)
    path.write_bytes(path.read_bytes() + forged)  # correctly chained, but beyond the seal
    assert_refused(directory, SEGMENT)
