"""ML strategy actors: a catalog model trading bars through NautilusTrader (see README.md)."""

from strategies.ml.config import MLStrategyConfig
from strategies.ml.strategy import MLStrategy

__all__ = ["MLStrategy", "MLStrategyConfig"]
