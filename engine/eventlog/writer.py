"""The single writer of an event log: append, group commit, seal, lock, torn-tail recovery."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from engine.errors import LineageError, LogLockedError
from engine.eventlog.background import BackgroundWriter
from engine.eventlog.checkpoint import export_checkpoint
from engine.eventlog.encoding import Encoded, canonical_bytes
from engine.eventlog.framing import GENESIS, HEADER
from engine.eventlog.merkle import merkle_root
from engine.eventlog.reader import Record, TornTail, walk
from engine.eventlog.segments import Seal, fsync_dir, list_segments, segment_path

Durability = Literal["group", "record", "background"]
LOCK_NAME = "LOCK"
_sha256 = hashlib.sha256
_crc32 = zlib.crc32
_pack_header = HEADER.pack
RECOVERED_KIND = "LogRecovered"


class EventLog:
    """Append-only, hash-chained event log in a directory of segments.

    Use ``EventLog.create(dir)`` for a new log and ``EventLog.open(dir)`` to continue one. Each
    ``append(kind, data)`` returns the stored ``Record``. With ``durability="group"`` records are
    written in groups of ``group_size`` and fsynced on ``flush()``/``close()`` (backtests); with
    ``"record"`` every append is written and fsynced before it returns; with ``"background"`` every
    append is handed to a writer thread that writes and ``fdatasync``s in append order, one sync per
    group of whatever is queued (paper trading): ``durable_count`` says how many records are on disk,
    ``wait_durable(n)`` waits for the first ``n``, ``add_durable_listener`` is told after each sync.
    """

    def __init__(
        self,
        directory: Path,
        *,
        durability: Durability = "group",
        group_size: int = 4096,
        segment_records: int = 250_000,
    ) -> None:
        if durability not in ("group", "record", "background"):
            raise LineageError(
                f"{directory}: durability must be 'group', 'record' or 'background', got {durability!r}"
            )
        if group_size < 1 or segment_records < 1:
            raise LineageError(
                f"{directory}: group_size and segment_records must be >= 1, "
                f"got {group_size} and {segment_records}"
            )
        self.directory = directory
        self.durability: Durability = durability
        self.group_size = group_size
        self.segment_records = segment_records
        self._lock_fd = _acquire_lock(directory)
        self._head = GENESIS
        self._seq = 0
        self._segment = 0
        self._segment_first_seq = 0
        self._segment_leaves: list[bytes] = []
        self._buffer = bytearray()
        self._buffered = 0
        self._fd: int | None = None
        self._synced = 0
        self._writer: BackgroundWriter | None = None
        self._durable_listeners: list[Callable[[int], None]] = []
        self._kind_bytes: dict[str, bytes] = {}

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: str | Path, **options: Any) -> EventLog:
        """Start a new log in ``directory`` (created; must not already hold a log)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if list_segments(directory):
            raise LineageError(f"{directory}: an event log already exists here; open it to continue")
        log = cls(directory, **options)
        log._open_segment(0)
        return log

    @classmethod
    def open(cls, directory: str | Path, **options: Any) -> EventLog:
        """Continue an existing log after verifying it; a torn final record is cut off and a
        ``LogRecovered`` record says so. Any other damage raises ``LogIntegrityError``."""
        directory = Path(directory)
        if not directory.is_dir() or not list_segments(directory):
            raise LineageError(f"{directory}: no event log to open (expected segment files)")
        log = cls(directory, **options)
        try:
            torn = log._load_tail()
        except BaseException:
            log._release()
            raise
        if torn is not None:
            log.append(RECOVERED_KIND, {"segment": torn.segment, "offset": torn.offset, "bytes": torn.size})
            log.flush()
        return log

    def _load_tail(self) -> TornTail | None:
        torn: list[TornTail] = []
        last = list_segments(self.directory)[-1]
        for stored in walk(self.directory, deep=True, torn=torn):
            self._head, self._seq = stored.frame.chain, stored.seq + 1
            self._synced = self._seq
            if stored.segment == last:
                self._segment_leaves.append(stored.frame.chain)
        self._segment = last
        self._segment_first_seq = self._seq - len(self._segment_leaves)
        if Seal.read(self.directory, last) is not None:
            self._open_segment(last + 1)
            return None
        path = segment_path(self.directory, last)
        if torn:
            with open(path, "r+b") as handle:
                handle.truncate(torn[0].offset)
                handle.flush()
                os.fsync(handle.fileno())
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        return torn[0] if torn else None

    def _open_segment(self, index: int) -> None:
        self._segment = index
        self._segment_first_seq = self._seq
        self._segment_leaves = []
        self._fd = os.open(segment_path(self.directory, index), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        fsync_dir(self.directory)

    # -- writing ---------------------------------------------------------------------------
    @property
    def head(self) -> str:
        """Chain hash (hex) of the last appended record; 64 zeros for an empty log."""
        return self._head.hex()

    @property
    def count(self) -> int:
        """Number of records appended so far (including earlier sessions)."""
        return self._seq

    def append(self, kind: str, data: dict[str, Any]) -> Record:
        """Append one record and return it; its bytes are the canonical encoding.

        The returned ``Record`` carries ``data`` as given; reading it back yields the decoded JSON
        (``Decimal`` as its string). An ``EncodingError`` naming the field leaves the log unchanged.
        ``data`` may be ``Encoded`` (from ``encode_plain``): its bytes are stored as they are.
        """
        if type(data) is Encoded:
            chain = self.append_encoded(kind, data)
        else:
            self._check(kind)
            chain = self._store(canonical_bytes({"seq": self._seq, "kind": kind, "data": data}))
        return Record(self._seq - 1, kind, data, chain.hex())

    def append_encoded(self, kind: str, data: bytes) -> bytes:
        """``append(kind, Encoded(data))`` without building the returned ``Record`` (the recorder's
        hot path): ``data`` must be canonical bytes (``encode_plain``, ``canonical_bytes``).
        Returns the record's chain hash."""
        kind_bytes = self._kind_bytes.get(kind) if type(kind) is str else None
        if kind_bytes is None:
            self._check(kind)
            kind_bytes = self._kind_bytes[kind] = canonical_bytes(kind)
        elif self._fd is None:
            self._check(kind)
        # {"data":...,"kind":...,"seq":...}: the canonical key order
        return self._store(b'{"data":%b,"kind":%b,"seq":%d}' % (data, kind_bytes, self._seq))

    def _check(self, kind: str) -> None:
        if self._fd is None:
            raise LineageError(f"{self.directory}: the event log is closed")
        if not isinstance(kind, str) or not kind:
            raise LineageError(
                f"{self.directory}: record {self._seq}: kind must be a non-empty str, got {kind!r}"
            )

    def _store(self, record: bytes) -> bytes:
        """Chain, frame and buffer one record's bytes (the frame of ``framing.encode_frame``)."""
        hasher = _sha256(self._head)
        hasher.update(record)
        chain = hasher.digest()
        buffer = self._buffer  # the frame: header, then the body (chain + record), no copies
        buffer += _pack_header(len(chain) + len(record), _crc32(record, _crc32(chain)))
        buffer += chain
        buffer += record
        self._buffered += 1
        leaves = self._segment_leaves
        leaves.append(chain)
        self._head = chain
        self._seq += 1
        durability = self.durability
        if durability == "group":
            if self._buffered >= self.group_size:
                self._write_buffer()
        elif durability == "record":
            self.flush()
        else:
            self._write_buffer()
        if len(leaves) >= self.segment_records:
            self.seal_segment()
        return chain

    @property
    def durable_count(self) -> int:
        """Number of records known to be on disk (written and synced)."""
        return self._writer.durable if self._writer is not None else self._synced

    def wait_durable(self, count: int) -> None:
        """Block until the first ``count`` records are on disk (``flush()`` waits for all)."""
        if self._writer is not None:
            self._write_buffer()
            self._writer.wait(count)
        elif count > self._synced:
            self.flush()

    def add_durable_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(durable_count)`` after each background sync (on the writer thread)."""
        self._durable_listeners.append(listener)
        if self._writer is not None:
            self._writer.add_listener(listener)

    def _write_buffer(self) -> None:
        if self.durability == "background":
            if self._buffer and self._fd is not None:
                if self._writer is None:
                    self._writer = BackgroundWriter(self._seq - self._buffered)
                    for listener in self._durable_listeners:
                        self._writer.add_listener(listener)
                self._writer.put(self._fd, self._seq, bytes(self._buffer), self._buffered)
                self._buffer.clear()
                self._buffered = 0
            return
        if self._buffer and self._fd is not None:
            with memoryview(self._buffer) as view:
                pos = 0
                while pos < len(view):
                    pos += os.write(self._fd, view[pos:])
            self._buffer.clear()
            self._buffered = 0

    def flush(self, sync: bool = True) -> None:
        """Write buffered records; with ``sync`` also fsync them to disk."""
        self._write_buffer()
        if self._writer is not None:
            if sync:
                self._writer.wait(self._seq)
            return
        if sync and self._fd is not None:
            os.fdatasync(self._fd)
            self._synced = self._seq

    def seal_segment(self) -> Seal:
        """Close the current segment for good (Merkle root + digest) and start the next one."""
        self.flush()
        path = segment_path(self.directory, self._segment)
        seal = Seal(
            segment=self._segment,
            first_seq=self._segment_first_seq,
            last_seq=self._seq - 1,
            head=self.head,
            merkle_root=merkle_root(self._segment_leaves).hex(),
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        seal.write(self.directory)
        if self._fd is not None:
            os.close(self._fd)
        self._open_segment(self._segment + 1)
        return seal

    def checkpoint(self) -> dict[str, Any]:
        """A small, exportable statement of the log so far; ``verify_log(checkpoint=...)`` later
        detects truncation or a rewrite of anything up to it."""
        self.flush()
        roots = [s.merkle_root for i in range(self._segment) if (s := Seal.read(self.directory, i))]
        return {"seq": self._seq - 1, "head": self.head, "sealed_merkle_roots": roots}

    def export_checkpoint(self, path: str | Path) -> Path:
        """Write ``checkpoint()`` to ``path`` atomically (keep it apart from the log)."""
        return export_checkpoint(self.checkpoint(), path)

    def close(self) -> None:
        """Flush, fsync and release the writer lock. Safe to call twice."""
        try:
            if self._fd is not None:
                self.flush()
        finally:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                self._synced = writer.durable
                with contextlib.suppress(LineageError):  # a writer failure was raised by flush()
                    writer.close()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._release()

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _acquire_lock(directory: Path) -> int:
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LogLockedError(f"{directory}: another process is writing this event log") from None
    return fd
