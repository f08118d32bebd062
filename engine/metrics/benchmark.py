"""Buy-and-hold benchmark equity curve."""

from __future__ import annotations

import math

import pandas as pd

from engine.metrics.series import MetricsError, as_float_series


def buy_and_hold_equity(
    close: pd.Series,
    starting_balance: float,
    fee_rate: float = 0.0,
    open: pd.Series | None = None,
) -> pd.Series:
    """Equity per bar of buying with the whole balance on the first bar and holding to the end.

    The entry price is the first bar's ``open`` when given, else its ``close``. ``fee_rate`` is
    charged on the entry notional (fewer units bought) and on the exit notional at the last bar.
    The first value is ``starting_balance`` (the capital committed at the first bar), later values
    mark the units to each bar's close, and the last value is after the exit fee, so
    ``last / first - 1`` is the benchmark's full return: ``(1 - fee)^2 * close[-1] / entry - 1``.
    """
    prices = as_float_series(close, "close", positive=True)
    balance = float(starting_balance)
    if not (math.isfinite(balance) and balance > 0):
        raise MetricsError(f"starting_balance: expected a finite number > 0, got {starting_balance!r}")
    fee = float(fee_rate)
    if not (0.0 <= fee < 1.0):
        raise MetricsError(f"fee_rate: expected a fraction in [0, 1), got {fee_rate!r}")
    entry = prices.iloc[0]
    if open is not None:
        opens = as_float_series(open, "open", positive=True)
        if opens.index[0] != prices.index[0]:
            raise MetricsError(
                f"open: first row is {opens.index[0].isoformat()}; expected the close series' first "
                f"timestamp {prices.index[0].isoformat()}"
            )
        entry = opens.iloc[0]
    units = balance * (1.0 - fee) / entry
    equity = prices * units
    equity.iloc[0] = balance
    equity.iloc[-1] = units * prices.iloc[-1] * (1.0 - fee)
    return equity.rename("equity")
