"""The arena's data: training and evaluation periods of one catalog dataset, as bars and frames."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engine.arena.config import ArenaConfig, ArenaConfigError
from engine.catalog import dataset_info, load_bars
from engine.catalog.query import bars_to_frame
from engine.recording.manifest import bars_digest

TRAIN_SHARE = 0.7  # training share of the bars when neither --end nor --eval-start is given


@dataclass(frozen=True)
class ArenaData:
    train: pd.DataFrame  # index: bar close (UTC); columns open..volume
    train_bars_digest: str
    dataset_digest: str
    bar_type: str
    end: str  # last training bar close (ISO), inclusive
    eval_start: str  # first evaluation bar close (ISO)
    eval_end: str | None


def load_arena_data(config: ArenaConfig) -> ArenaData:
    """Training bars (``start``..``end``) and the evaluation period boundaries (after training)."""
    info = dataset_info(config.catalog, config.instrument_id, "bars", config.bar)
    bars = load_bars(config.catalog, config.instrument_id, config.bar, config.start, config.end)
    if config.end is None and config.eval_start is None:
        bars = bars[: int(len(bars) * TRAIN_SHARE)]
    elif config.end is None and config.eval_start is not None:
        cut = pd.Timestamp(config.eval_start)
        cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut.tz_convert("UTC")
        bars = [b for b in bars if b.ts_init < cut.value]
    if len(bars) < 64:
        raise ArenaConfigError(
            f"{config.catalog}: {len(bars)} {config.bar} training bars of {config.instrument_id} "
            f"between {config.start or 'the start'} and {config.end or 'the split'}; expected at least 64"
        )
    train = bars_to_frame(bars)
    end = train.index[-1]
    eval_start = config.eval_start
    if eval_start is None:
        eval_start = (end + pd.Timedelta(1, "ns")).isoformat()
    else:
        ts = pd.Timestamp(eval_start)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if ts <= end:
            raise ArenaConfigError(
                f"--eval-start {eval_start}: expected after the last training bar ({end.isoformat()}); "
                "evaluation must be on unseen bars"
            )
    return ArenaData(
        train,
        bars_digest(bars),
        info["digest"],
        info["bar_type"],
        end.isoformat(),
        eval_start,
        config.eval_end,
    )
