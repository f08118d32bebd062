"""Recording a run: the event tap on the message bus, the canonical form and the manifest."""

from engine.recording.canonical import IdMapper, canonical_event
from engine.recording.recorder import RECORDED_EVENT_TYPES, Recorder

__all__ = ["RECORDED_EVENT_TYPES", "IdMapper", "Recorder", "canonical_event"]
