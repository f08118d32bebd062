"""Checkpoint files: exported atomically, validated on load, checked against the log later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.eventlog import CheckpointError, EventLog, checkpoint_of, load_checkpoint, verify_log
from tests.eventlog.conftest import fill_event, write_log


def test_exported_checkpoint_round_trips_and_matches_the_writer(log_dir: Path, tmp_path: Path) -> None:
    with EventLog.create(log_dir, segment_records=3) as log:
        assert log.checkpoint() == {"seq": -1, "head": "0" * 64, "sealed_merkle_roots": []}
        for i in range(8):
            log.append("OrderFilled", fill_event(i))
        path = log.export_checkpoint(tmp_path / "cp.json")
        live = log.checkpoint()
    assert load_checkpoint(path) == live == checkpoint_of(log_dir)
    assert len(live["sealed_merkle_roots"]) == 2 and live["seq"] == 7
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temp file, renamed
    with EventLog.open(log_dir, segment_records=3) as log:
        log.append("OrderFilled", fill_event(8))  # growing past a checkpoint is fine
    assert verify_log(log_dir, checkpoint=load_checkpoint(path)).ok


def test_empty_log_checkpoint_verifies(log_dir: Path) -> None:
    EventLog.create(log_dir).close()
    checkpoint = checkpoint_of(log_dir)
    assert checkpoint["seq"] == -1
    assert verify_log(log_dir, checkpoint=checkpoint).ok


def test_checkpoint_of_a_torn_log_covers_its_complete_records(log_dir: Path) -> None:
    write_log(log_dir, 4)
    segment = log_dir / "000000.seg"
    segment.write_bytes(segment.read_bytes()[:-5])
    assert checkpoint_of(log_dir)["seq"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "not JSON"),
        (json.dumps([1]), "field format"),
        (json.dumps({"format": "other/9", "seq": 1}), "field format"),
        (json.dumps({"format": "lineage-eventlog-checkpoint/1", "seq": -2, "head": "0" * 64}), "field seq"),
        (json.dumps({"format": "lineage-eventlog-checkpoint/1", "seq": 1, "head": "zz"}), "field head"),
        (
            json.dumps(
                {
                    "format": "lineage-eventlog-checkpoint/1",
                    "seq": 1,
                    "head": "0" * 64,
                    "sealed_merkle_roots": [1],
                }
            ),
            r"field sealed_merkle_roots\[0\]",
        ),
    ],
)
def test_malformed_checkpoint_files_name_file_and_field(tmp_path: Path, body: str, field: str) -> None:
    path = tmp_path / "cp.json"
    path.write_text(body)
    with pytest.raises(CheckpointError, match=rf"{path}: {field}"):
        load_checkpoint(path)


def test_missing_checkpoint_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no checkpoint file"):
        load_checkpoint(tmp_path / "absent.json")
