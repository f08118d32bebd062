"""Where a log's segments live on disk, and how a sealed segment is described."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.atomic import fsync_path, write_bytes_atomic
from engine.errors import LogIntegrityError

SEGMENT_RE = re.compile(r"^(\d{6})\.seg$")
SEAL_RE = re.compile(r"^(\d{6})\.seal\.json$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def segment_path(directory: Path, index: int) -> Path:
    return directory / f"{index:06d}.seg"


def seal_path(directory: Path, index: int) -> Path:
    return directory / f"{index:06d}.seal.json"


def list_segments(directory: Path) -> list[int]:
    """Indices of the segment files in ``directory``, in order."""
    found = sorted(int(m.group(1)) for p in directory.iterdir() if (m := SEGMENT_RE.match(p.name)))
    return found


def list_seals(directory: Path) -> list[int]:
    """Indices of the seal files in ``directory``, in order."""
    return sorted(int(m.group(1)) for p in directory.iterdir() if (m := SEAL_RE.match(p.name)))


@dataclass(frozen=True, slots=True)
class Seal:
    """Summary written when a segment is closed for good; its Merkle root pins every record."""

    segment: int
    first_seq: int
    last_seq: int
    head: str
    merkle_root: str
    sha256: str

    def write(self, directory: Path) -> None:
        body = json.dumps(asdict(self), sort_keys=True).encode()
        write_bytes_atomic(seal_path(directory, self.segment), body)

    @classmethod
    def read(cls, directory: Path, index: int) -> Seal | None:
        """The seal of segment ``index``, ``None`` if it has none; ``LogIntegrityError`` (without
        a record index) if the seal file is not a well-formed seal of that segment."""
        path = seal_path(directory, index)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            fields = json.loads(raw)
            seal = cls(**fields)
        except (ValueError, TypeError) as exc:
            raise LogIntegrityError(f"{path.name}: not a readable seal ({exc})") from None
        problems = [
            f"{name} must be an integer"
            for name in ("segment", "first_seq", "last_seq")
            if type(getattr(seal, name)) is not int
        ] + [
            f"{name} must be 64 lowercase hex digits"
            for name in ("head", "merkle_root", "sha256")
            if not (isinstance(getattr(seal, name), str) and HEX64.match(getattr(seal, name)))
        ]
        if not problems and seal.segment != index:
            problems.append(f"segment is {seal.segment}, expected {index}")
        if problems:
            raise LogIntegrityError(f"{path.name}: malformed seal: {'; '.join(problems)}")
        return seal


# Older names, still imported by the log writer.
write_atomic = write_bytes_atomic
fsync_dir = fsync_path
