"""Bar closes as text, in bulk: ``str(bar.close)`` for a batch of bars without a Decimal per bar.

NautilusTrader writes a price as ``f"{Decimal(raw) / 10**FIXED_PRECISION:.{precision}f}"``. When
``raw`` is a whole multiple of ``10**(FIXED_PRECISION - precision)`` (every price NautilusTrader
builds is) that is the integer ``raw // 10**(FIXED_PRECISION - precision)`` with a decimal point
``precision`` digits from the right; anything else takes NautilusTrader's own ``str``.
"""

from __future__ import annotations

from collections.abc import Sequence

from nautilus_trader.model.data import Bar
from nautilus_trader.model.objects import Price

_ONE = Price(1, 0).raw  # 10**FIXED_PRECISION in this build (9 or 16 decimals)
_EXACT_DIGITS = 10**27  # Decimal's default context holds 28 digits: bigger quotients may round


def price_text(raw: int, precision: int) -> str | None:
    """``str(Price.from_raw(raw, precision))`` when it can be written from the integer alone."""
    quotient, rest = divmod(raw, _ONE // 10**precision)
    if rest or not -_EXACT_DIGITS < quotient < _EXACT_DIGITS:
        return None
    digits = str(-quotient if quotient < 0 else quotient)
    if precision:
        digits = digits.rjust(precision + 1, "0")
        digits = f"{digits[:-precision]}.{digits[-precision:]}"
    return "-" + digits if quotient < 0 else digits


def price_strings(bars: Sequence[Bar]) -> list[str]:
    """``[str(bar.close) for bar in bars]``, several times faster: in one pass when every close
    has the first one's precision and is a non-negative whole number of its ticks (prices of one
    bar type always are), else bar by bar."""
    closes = [bar.close for bar in bars]
    if closes and (precision := closes[0].precision) > 0:
        unit, ten = _ONE // 10**precision, 10**precision
        ticks = [divmod(close.raw, unit) for close in closes]
        if (
            all(close.precision == precision for close in closes)
            and not any(rest for _, rest in ticks)
            and all(0 <= quotient < _EXACT_DIGITS for quotient, _ in ticks)
        ):
            line = f"%d.%0{precision}d"
            return [line % divmod(quotient, ten) for quotient, _ in ticks]
    out = []
    for close in closes:
        text = price_text(close.raw, close.precision)
        out.append(str(close) if text is None else text)
    return out
