"""Where probabilities become an action, and an action an order size. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

import numpy as np

BUY, SELL, HOLD = "buy", "sell", "hold"


def signal(proba: Sequence[float] | np.ndarray, threshold: float) -> tuple[str, float]:
    """(signal, confidence) from probabilities (sell, neutral, buy).

    ``buy`` when P(buy) >= threshold and P(buy) >= P(sell); ``sell`` when P(sell) >= threshold and
    P(sell) > P(buy); otherwise ``hold``. Confidence is the probability of the signalled class
    (P(neutral) for hold).
    """
    p_sell, p_neutral, p_buy = map(float, proba)
    if p_buy >= threshold and p_buy >= p_sell:
        return BUY, p_buy
    if p_sell >= threshold and p_sell > p_buy:
        return SELL, p_sell
    return HOLD, p_neutral


def signals(proba: np.ndarray, threshold: float) -> tuple[list[str], list[float]]:
    """``signal`` of every row of a (n, 3) float64 array, vectorised: (signals, confidences) as
    lists of ``str`` and Python ``float``, equal to ``[signal(row, threshold) for row in proba]``
    (the same float64 comparisons; NaN compares false in both, so a NaN row is ``hold``)."""
    p = np.asarray(proba, dtype=np.float64)
    p_sell, p_neutral, p_buy = p[:, 0], p[:, 1], p[:, 2]
    with np.errstate(invalid="ignore"):
        buy = (p_buy >= threshold) & (p_buy >= p_sell)
        sell = ~buy & (p_sell >= threshold) & (p_sell > p_buy)
    confidence = np.where(buy, p_buy, np.where(sell, p_sell, p_neutral))
    names = np.array([HOLD, BUY, SELL], dtype=object)[buy.astype(np.intp) + 2 * sell.astype(np.intp)]
    return names.tolist(), confidence.tolist()


def entry_quantity(
    *,
    equity: Decimal,
    free_quote: Decimal,
    price: Decimal,
    fraction: float,
    size_multiplier: float,
    fee_rate: Decimal,
    fee_buffer: float,
    max_position: Decimal | None,
    size_precision: int,
) -> Decimal:
    """Base units to buy: ``fraction * size_multiplier`` of equity at ``price``, capped by
    ``max_position`` and by what the free quote balance pays including the fee (plus a buffer
    for the fill price); rounded down to ``size_precision``. Zero when nothing fits."""
    if price <= 0 or equity <= 0 or free_quote <= 0:
        return Decimal(0)
    budget = equity * Decimal(repr(fraction)) * Decimal(repr(size_multiplier))
    qty = budget / price
    affordable = free_quote / (price * (1 + fee_rate) * (1 + Decimal(repr(fee_buffer))))
    qty = min(qty, affordable)
    if max_position is not None:
        qty = min(qty, max_position)
    step = Decimal(1).scaleb(-size_precision)
    return max(qty.quantize(step, rounding=ROUND_DOWN), Decimal(0))
