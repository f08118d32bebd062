"""NautilusTrader 1.221's number handling, reproduced exactly for the audit's replay.

Prices, quantities and money are fixed-point integers (16 decimals); arithmetic on positions runs
in IEEE doubles (``as_f64`` = raw / 1e16) and every new ``Money``/``Price``/``Quantity`` rounds a
double to its precision, half away from zero. Replaying with the same operations gives the
engine's figures to the last digit; ``tests/audit/test_fixed.py`` checks these functions against
NautilusTrader's own types.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FIXED_PRECISION = 16
_ONE = Decimal(1)


def f64(value: str | Decimal) -> float:
    """The double NautilusTrader computes with for a price/quantity/money value (``as_f64``)."""
    return float(int(Decimal(value).scaleb(FIXED_PRECISION))) / 1e16


def fixed(value: float, precision: int) -> Decimal:
    """A double rounded as ``Money(value)``/``Price(value, p)``/``Quantity(value, p)`` round it."""
    return Decimal(value * float(10**precision)).quantize(_ONE, ROUND_HALF_UP).scaleb(-precision)


def fixed_dec(value: Decimal, precision: int) -> Decimal:
    """``Money(Decimal)``: NautilusTrader converts the Decimal to a double first, then rounds."""
    return fixed(float(value), precision)


def money(text: str) -> tuple[Decimal, str]:
    """``"0.00009710 BTC"`` -> (Decimal("0.00009710"), "BTC")."""
    amount, _, currency = text.partition(" ")
    return Decimal(amount), currency


def precision_of(text: str | Decimal) -> int:
    """Decimal places of a Decimal string (``"10.00"`` -> 2)."""
    return max(-Decimal(text).as_tuple().exponent, 0)  # type: ignore[operator]
