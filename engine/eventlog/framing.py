"""Record framing on disk and the hash chain.

One frame per record::

    u32 length of body (little endian) | u32 CRC-32 of body | body
    body = 32-byte SHA-256 chain hash | canonical JSON record

The chain hash of record n is ``sha256(hash[n-1] + record_bytes)`` with 32 zero bytes before the
first record, so it covers every earlier record's stored bytes. The CRC catches torn or damaged
frames cheaply; the chain catches edits, deletions, insertions and reordering.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

HEADER = struct.Struct("<II")
HASH_SIZE = 32
GENESIS = bytes(HASH_SIZE)
MAX_RECORD = 64 * 1024 * 1024
# Every record the writer stores is a canonical JSON object whose first (sorted) key is "data".
# Only used to tell a torn final frame from a damaged length field with whole frames after it.
RECORD_PREFIX = b'{"data":'


def chain_hash(prev: bytes, record: bytes) -> bytes:
    """The chain hash of ``record`` following a record whose chain hash is ``prev``."""
    return hashlib.sha256(prev + record).digest()


def encode_frame(chain: bytes, record: bytes) -> bytes:
    """Frame one record with its chain hash."""
    body = chain + record
    return HEADER.pack(len(body), zlib.crc32(body)) + body


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as stored: its byte offset, chain hash and record bytes."""

    offset: int
    chain: bytes
    record: bytes

    @property
    def end(self) -> int:
        return self.offset + HEADER.size + HASH_SIZE + len(self.record)


class FrameError(Exception):
    """A frame could not be read; ``torn`` is true when the data simply ends inside the frame."""

    def __init__(self, message: str, offset: int, torn: bool) -> None:
        super().__init__(message)
        self.offset = offset
        self.torn = torn


class ChainError(FrameError):
    """A well-formed frame whose stored chain hash does not follow from the previous record."""

    def __init__(self, offset: int) -> None:
        super().__init__("chain hash mismatch", offset, torn=False)


@dataclass(slots=True)
class Scan:
    """Outcome of ``scan_frames``: chain head and count of the good frames, where they end, and
    the first problem (``None`` when every byte was read)."""

    head: bytes
    count: int
    end: int
    error: FrameError | None


def scan_frames(
    data: bytes,
    prev: bytes = GENESIS,
    *,
    ends: list[int] | None = None,
    chains: list[bytes] | None = None,
) -> Scan:
    """Check every frame of ``data`` (length, CRC and chain from ``prev``) in one tight loop.

    Appends each good frame's end offset to ``ends`` and chain hash to ``chains`` when given.
    Stops at the first bad frame and returns it as ``Scan.error`` rather than raising.
    """
    unpack, crc32, sha256 = HEADER.unpack_from, zlib.crc32, hashlib.sha256
    view = memoryview(data)
    pos, size, count = 0, len(data), 0
    error: FrameError | None = None
    while pos < size:
        if size - pos < 8:
            error = FrameError("frame header cut short", pos, torn=True)
            break
        length, crc = unpack(data, pos)
        body = pos + 8
        end = body + length
        if length < HASH_SIZE or length > MAX_RECORD:
            error = FrameError(f"frame length {length} out of range", pos, torn=False)
            break
        if end > size:
            error = _overrun(data, pos, crc)
            break
        if crc32(view[body:end]) != crc:
            error = FrameError("frame CRC mismatch", pos, torn=False)
            break
        digest = sha256(prev + data[body + HASH_SIZE : end]).digest()
        if digest != data[body : body + HASH_SIZE]:
            error = ChainError(pos)
            break
        if ends is not None:
            ends.append(end)
        if chains is not None:
            chains.append(digest)
        prev, pos, count = digest, end, count + 1
    return Scan(prev, count, pos, error)


def _overrun(data: bytes, pos: int, crc: int) -> FrameError:
    """Classify a frame claiming more bytes than remain: torn by a crash, or a damaged length.

    It is damaged when the remaining bytes already form a complete body with this CRC, or when a
    complete, valid frame starts later on: a crash only ever cuts the *last* frame short.
    """
    body = pos + 8
    if len(data) - body >= HASH_SIZE and zlib.crc32(data[body:]) == crc:
        return FrameError("frame length field altered (the body ends earlier)", pos, torn=False)
    hit = data.find(RECORD_PREFIX, body + HASH_SIZE)
    while hit != -1:
        start = hit - HASH_SIZE - 8
        if start > body and _whole_frame_at(data, start):
            return FrameError(
                f"frame length field altered (a whole frame follows at byte {start})", pos, False
            )
        hit = data.find(RECORD_PREFIX, hit + 1)
    return FrameError("frame body cut short", pos, torn=True)


def _whole_frame_at(data: bytes, start: int) -> bool:
    length, crc = HEADER.unpack_from(data, start)
    end = start + 8 + length
    return HASH_SIZE <= length <= MAX_RECORD and end <= len(data) and zlib.crc32(data[start + 8 : end]) == crc


def iter_frames(data: bytes | memoryview, start: int = 0) -> Iterator[Frame]:
    """Yield the frames in ``data`` (length and CRC checked, not the chain); raise ``FrameError``
    at the first unreadable one."""
    view = memoryview(data)
    pos, size = start, len(view)
    while pos < size:
        if size - pos < HEADER.size:
            raise FrameError("frame header cut short", pos, torn=True)
        length, crc = HEADER.unpack_from(view, pos)
        if length < HASH_SIZE or length > MAX_RECORD:
            raise FrameError(f"frame length {length} out of range", pos, torn=False)
        body_start = pos + HEADER.size
        if body_start + length > size:
            raise _overrun(bytes(view), pos, crc)
        body = view[body_start : body_start + length]
        if zlib.crc32(body) != crc:
            raise FrameError("frame CRC mismatch", pos, torn=False)
        yield Frame(pos, bytes(body[:HASH_SIZE]), bytes(body[HASH_SIZE:]))
        pos = body_start + length
