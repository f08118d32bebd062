"""Baseline strategies every ML strategy is compared against."""

from strategies.baselines.buy_and_hold import BuyAndHold, BuyAndHoldConfig
from strategies.baselines.ma_cross import MovingAverageCross, MovingAverageCrossConfig

__all__ = ["BuyAndHold", "BuyAndHoldConfig", "MovingAverageCross", "MovingAverageCrossConfig"]
