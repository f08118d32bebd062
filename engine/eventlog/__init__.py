"""Append-only, hash-chained event log (see docs/event-log.md for the on-disk format)."""

from engine.eventlog.checkpoint import CheckpointError, checkpoint_of, export_checkpoint, load_checkpoint
from engine.eventlog.encoding import Encoded, EncodingError, canonical_bytes, decode, encode_plain
from engine.eventlog.reader import Record, VerifyReport, read_log, verify_log
from engine.eventlog.writer import RECOVERED_KIND, EventLog

__all__ = [
    "RECOVERED_KIND",
    "CheckpointError",
    "Encoded",
    "EncodingError",
    "EventLog",
    "Record",
    "VerifyReport",
    "canonical_bytes",
    "checkpoint_of",
    "decode",
    "encode_plain",
    "export_checkpoint",
    "load_checkpoint",
    "read_log",
    "verify_log",
]
