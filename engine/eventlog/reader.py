"""Reading and verifying a log from its stored bytes (never from a re-serialisation)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import LineageError, LogIntegrityError
from engine.eventlog.encoding import decode
from engine.eventlog.framing import GENESIS, HASH_SIZE, HEADER, ChainError, Frame, scan_frames
from engine.eventlog.merkle import merkle_root
from engine.eventlog.segments import Seal, list_seals, list_segments, segment_path


@dataclass(frozen=True, slots=True)
class Record:
    """One decoded record: position in the log, kind, payload and its chain hash (hex)."""

    seq: int
    kind: str
    data: dict[str, Any]
    chain: str


@dataclass(frozen=True, slots=True)
class StoredFrame:
    """A verified frame with where it lives."""

    seq: int
    segment: int
    frame: Frame


@dataclass(slots=True)
class TornTail:
    """A final frame cut short by a crash: only this kind of damage may be recovered."""

    segment: int
    offset: int
    size: int
    seq: int = -1


@dataclass(slots=True)
class VerifyReport:
    """Outcome of verifying a log. ``ok`` means every byte verified and no torn tail.

    ``first_bad`` is the first record verification cannot vouch for: the damaged one, the torn
    one (also described in ``torn_tail``), the first missing one after a truncation, or the first
    record of the first stretch a checkpoint no longer matches.
    """

    path: str
    records: int = 0
    bytes: int = 0
    head: str = GENESIS.hex()
    segments: int = 0
    sealed: int = 0
    error: str | None = None
    first_bad: int | None = None
    torn_tail: dict[str, int] | None = None
    merkle_roots: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.torn_tail is None


@dataclass(slots=True)
class _Segment:
    """One segment after scanning: its good frames and the first problem, if any."""

    index: int
    path: Path
    data: bytes
    first_seq: int
    count: int
    end: int
    head: bytes
    seal: Seal | None
    ends: list[int] | None
    chains: list[bytes] | None
    error: LogIntegrityError | None = None
    digest: _Digest | None = None


class _Digest(threading.Thread):
    """SHA-256 of a sealed segment's bytes, computed beside the frame scan (hashlib releases the
    GIL on large buffers, so this overlaps with the scan on a second core)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(daemon=True)
        self.data, self.hexdigest = data, ""
        self.start()

    def run(self) -> None:
        self.hexdigest = hashlib.sha256(self.data).hexdigest()

    def result(self) -> str:
        self.join()
        return self.hexdigest


def _scan_log(
    directory: Path, *, deep: bool, torn: list[TornTail] | None, ends: bool = False, chains: bool = False
) -> Iterator[_Segment]:
    """Scan segments in order, checking frames, chain and seals; stop after the first problem
    (carried in ``_Segment.error``) or a torn tail (appended to ``torn``)."""
    if not directory.is_dir():
        raise LogIntegrityError(f"{directory}: no event log here (expected a directory of segments)")
    indices = list_segments(directory)
    if indices != list(range(len(indices))):
        raise LogIntegrityError(f"{directory}: segment files are not numbered 0..n-1 (found {indices})")
    prev, seq = GENESIS, 0
    for index in indices:
        path = segment_path(directory, index)
        data = path.read_bytes()
        seal_error: LogIntegrityError | None = None
        try:
            seal = Seal.read(directory, index)
        except LogIntegrityError as exc:
            seal, seal_error = None, exc
        last = index == indices[-1]
        seg = _Segment(
            index, path, data, seq, 0, 0, prev, seal,
            [] if ends else None,
            [] if chains or (deep and seal is not None) else None,
        )  # fmt: skip
        if deep and seal is not None:
            seg.digest = _Digest(data)
        scan = scan_frames(data, prev, ends=seg.ends, chains=seg.chains)
        seg.count, seg.end, seg.head = scan.count, scan.end, scan.head
        end_seq = seq + scan.count
        problem = scan.error
        if problem is not None:
            if problem.torn and last and torn is not None and seal is None and seal_error is None:
                torn.append(TornTail(index, problem.offset, len(data) - problem.offset, end_seq))
            elif isinstance(problem, ChainError):
                seg.error = LogIntegrityError(
                    f"{path.name}: record {end_seq} at byte {problem.offset} breaks the hash chain "
                    "(edited, deleted, inserted or reordered records)",
                    index=end_seq,
                )
            else:
                kind = "torn (cut short)" if problem.torn else "damaged"
                seg.error = LogIntegrityError(
                    f"{path.name}: record {end_seq} at byte {problem.offset} is {kind}: {problem}",
                    index=end_seq,
                )
        elif seal_error is not None:
            seg.error = LogIntegrityError(str(seal_error), index=seq)
        elif seal is not None:
            seg.error = _check_seal(seg, deep)
        elif not last:
            seg.error = LogIntegrityError(
                f"{path.name}: a segment before the last one has no seal", index=seq
            )
        yield seg
        if seg.error is not None:
            return
        prev, seq = scan.head, end_seq
    orphans = [i for i in list_seals(directory) if i >= len(indices)]
    if orphans:
        raise LogIntegrityError(
            f"{directory}: seal {orphans[0]:06d}.seal.json has no segment file (segments deleted: "
            f"the log is truncated after record {seq - 1})",
            index=seq,
        )


def walk(directory: Path, *, deep: bool = False, torn: list[TornTail] | None = None) -> Iterator[StoredFrame]:
    """Yield every frame in order after checking CRC, chain and seals.

    Raises ``LogIntegrityError`` naming the first bad record (after yielding the good ones before
    it). A torn final frame ends the walk quietly when ``torn`` is given (it is appended there),
    and raises otherwise.
    """
    for seg in _scan_log(Path(directory), deep=deep, torn=torn, ends=True):
        data, start, seq = seg.data, 0, seg.first_seq
        for end in seg.ends or ():
            body = start + HEADER.size
            yield StoredFrame(
                seq, seg.index, Frame(start, data[body : body + HASH_SIZE], data[body + HASH_SIZE : end])
            )
            start, seq = end, seq + 1
        if seg.error is not None:
            raise seg.error


def _check_seal(seg: _Segment, deep: bool) -> LogIntegrityError | None:
    seal, end_seq = seg.seal, seg.first_seq + seg.count
    assert seal is not None
    problems = []
    if (seal.first_seq, seal.last_seq) != (seg.first_seq, end_seq - 1):
        problems.append(
            f"records {seg.first_seq}..{end_seq - 1}, seal says {seal.first_seq}..{seal.last_seq}"
        )
    if seal.head != seg.head.hex():
        problems.append("chain head differs from the seal")
    if deep and seg.chains is not None:
        if seal.merkle_root != merkle_root(seg.chains).hex():
            problems.append("Merkle root differs from the seal")
        digest = seg.digest.result() if seg.digest is not None else hashlib.sha256(seg.data).hexdigest()
        if seal.sha256 != digest:
            problems.append("file digest differs from the seal")
    if not problems:
        return None
    # The first record the seal no longer vouches for: the first one missing from (or beyond) the
    # sealed range when only its end moved, else the segment's first record.
    index = seg.first_seq
    if seal.first_seq == seg.first_seq and seal.last_seq != end_seq - 1:
        index = min(end_seq, seal.last_seq + 1)
    return LogIntegrityError(f"{seg.path.name}: sealed segment altered: {'; '.join(problems)}", index=index)


def to_record(stored: StoredFrame) -> Record:
    """Decode a verified frame into a ``Record``."""
    try:
        body = decode(stored.frame.record)
        return Record(seq=body["seq"], kind=body["kind"], data=body["data"], chain=stored.frame.chain.hex())
    except (ValueError, TypeError, KeyError) as exc:
        raise LogIntegrityError(
            f"record {stored.seq}: stored bytes are not a record (expected JSON with seq, kind, data): "
            f"{exc!r}",
            index=stored.seq,
        ) from None


def read_log(directory: str | Path, *, allow_torn_tail: bool = True) -> Iterator[Record]:
    """Yield every record of a verified log, in order (sealed segments checked deeply).

    A torn final record (a crash mid-write) is skipped when ``allow_torn_tail``; any other damage
    raises ``LogIntegrityError`` before the damaged record is yielded. Payloads come back as
    decoded JSON: ``Decimal`` values as their strings, tuples as lists.
    """
    torn: list[TornTail] | None = [] if allow_torn_tail else None
    for stored in walk(Path(directory), deep=True, torn=torn):
        record = to_record(stored)
        if record.seq != stored.seq:
            raise LogIntegrityError(f"record {stored.seq} claims seq {record.seq}", index=stored.seq)
        yield record


def verify_log(
    directory: str | Path,
    *,
    deep: bool = True,
    checkpoint: dict[str, Any] | None = None,
    expect_last_kind: str | None = None,
) -> VerifyReport:
    """Verify a log's stored bytes; never raises for damage, reports it instead.

    ``deep`` also recomputes sealed segments' Merkle roots and file digests. A ``checkpoint`` (from
    ``EventLog.checkpoint()``, possibly exported long ago) must still be a prefix of the log:
    this catches truncation and wholesale rewrites that a self-consistent chain cannot; its
    sealed segments' Merkle roots narrow a rewrite down to a segment. ``expect_last_kind``
    (e.g. ``"RunEnded"``) requires the last record to be of that kind, which catches a finished
    run's log cut at a record boundary when no checkpoint is at hand.
    """
    directory = Path(directory)
    report = VerifyReport(path=str(directory))
    torn: list[TornTail] = []
    want, want_head, roots = _checkpoint_fields(checkpoint)
    try:
        unvouched = 0  # first record no matching checkpoint Merkle root vouches for
        last: _Segment | None = None
        for seg in _scan_log(
            directory, deep=deep, torn=torn, ends=expect_last_kind is not None, chains=checkpoint is not None
        ):
            if (
                seg.error is None
                and seg.index < len(roots)
                and seg.seal is not None
                and seg.chains is not None
            ):
                if merkle_root(seg.chains).hex() != roots[seg.index]:
                    raise LogIntegrityError(
                        f"{seg.path.name}: Merkle root differs from the checkpoint's (records "
                        f"{seg.first_seq}..{seg.first_seq + seg.count - 1} rewritten)",
                        index=unvouched,
                    )
                unvouched = seg.first_seq + seg.count
            in_segment = seg.chains is not None and seg.first_seq <= want < seg.first_seq + seg.count
            if in_segment and seg.chains[want - seg.first_seq].hex() != want_head:
                raise LogIntegrityError(
                    f"record {want} differs from the checkpoint (log rewritten at or after record "
                    f"{unvouched})",
                    index=unvouched,
                )
            report.records += seg.count
            report.bytes += seg.end
            report.head = seg.head.hex()
            if seg.count:
                last = seg
            if seg.error is not None:
                raise seg.error
    except LogIntegrityError as exc:
        report.error, report.first_bad = str(exc), exc.index
        return report
    finally:
        _describe_segments(directory, report)
    if torn:
        t = torn[0]
        report.torn_tail = {"segment": t.segment, "offset": t.offset, "bytes": t.size, "seq": t.seq}
        report.first_bad = t.seq
    if want >= report.records:
        report.error = f"log ends at record {report.records - 1}, before checkpoint record {want} (truncated)"
        report.first_bad = report.records
    elif expect_last_kind is not None:
        kind = _last_kind(last)
        if kind != expect_last_kind:
            report.error = (
                f"last record is {kind or 'missing'}, expected {expect_last_kind} (log cut at a record "
                "boundary, or the run did not finish)"
            )
            report.first_bad = report.records
    return report


def _checkpoint_fields(checkpoint: dict[str, Any] | None) -> tuple[int, str, list[str]]:
    """(seq, head, sealed Merkle roots) of a checkpoint; seq -1 when there is none."""
    if checkpoint is None:
        return -1, GENESIS.hex(), []
    seq, head = checkpoint.get("seq"), checkpoint.get("head")
    roots = checkpoint.get("sealed_merkle_roots", [])
    if type(seq) is not int or seq < -1 or not isinstance(head, str) or not isinstance(roots, list):
        raise LineageError(
            "checkpoint: expected seq (int >= -1), head (hex string) and sealed_merkle_roots (list), "
            f"got seq={seq!r}, head={head!r}"
        )
    return seq, head, [str(r) for r in roots]


def _describe_segments(directory: Path, report: VerifyReport) -> None:
    indices = list_segments(directory) if directory.is_dir() else []
    report.segments = len(indices)
    roots = []
    for i in indices:
        try:
            seal = Seal.read(directory, i)
        except LogIntegrityError:
            seal = None
        if seal is not None:
            roots.append(seal.merkle_root)
    report.sealed = len(roots)
    report.merkle_roots = roots


def _last_kind(seg: _Segment | None) -> str | None:
    """Kind of the last record of the last non-empty segment (``None`` for an empty log)."""
    if seg is None or not seg.ends:
        return None
    start = seg.ends[-2] if len(seg.ends) > 1 else 0
    body = decode(seg.data[start + HEADER.size + HASH_SIZE : seg.ends[-1]])
    return body.get("kind") if isinstance(body, dict) else None
