"""engine.atomic: all-or-nothing writes leave either the old or the new content, never a temp file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.atomic import fsync_path, write_bytes_atomic, write_json_atomic, write_text_atomic


@settings(max_examples=30, deadline=None)
@given(first=st.binary(max_size=512), second=st.binary(max_size=512))
def test_bytes_replace_old_content_and_leave_no_temp(first: bytes, second: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sub" / "f.bin"
        assert write_bytes_atomic(path, first) == path
        write_bytes_atomic(path, second)
        assert path.read_bytes() == second
        assert sorted(p.name for p in path.parent.iterdir()) == ["f.bin"]


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=200))
def test_text_is_utf8_without_newline_translation(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_text_atomic(Path(tmp) / "t.txt", text, prefix=".custom-")
        assert path.read_bytes() == text.encode("utf-8")


def test_json_is_pretty_sorted_with_final_newline(tmp_path: Path) -> None:
    path = write_json_atomic(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({"a": [1, 2], "b": 1}, indent=2, sort_keys=True) + "\n"
    assert text.index('"a"') < text.index('"b"')


def test_failed_write_keeps_old_content_and_removes_temp(tmp_path: Path) -> None:
    path = write_text_atomic(tmp_path / "keep.txt", "old")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "\ud800")  # a lone surrogate cannot be encoded
    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_fsync_path_accepts_files_and_folders(tmp_path: Path) -> None:
    fsync_path(write_text_atomic(tmp_path / "x", "x"))
    fsync_path(tmp_path)
    with pytest.raises(FileNotFoundError):
        fsync_path(tmp_path / "missing")
