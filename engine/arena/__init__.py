"""The Darwinian arena as a recorded run: ``run_arena(ArenaConfig) -> ArenaResult``, its audit."""

from engine.arena.config import ArenaConfig, ArenaConfigError, ArenaResult
from engine.arena.run import run_arena

__all__ = ["ArenaConfig", "ArenaConfigError", "ArenaResult", "run_arena"]
