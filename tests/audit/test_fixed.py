"""The audit's reproduction of NautilusTrader's number handling against NautilusTrader's own types."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.model.currencies import BTC, USD
from nautilus_trader.model.objects import Money, Price, Quantity

from engine.audit.fixed import f64, fixed, fixed_dec

doubles = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False)
halves = st.builds(lambda n, p: ((n + 0.5) / 10**p, p), st.integers(-(10**9), 10**9), st.integers(0, 8))


@settings(max_examples=500, deadline=None)
@given(value=doubles)
def test_money_rounding_matches(value):
    assert fixed(value, 2) == Money(value, USD).as_decimal()
    assert fixed(value, 8) == Money(value, BTC).as_decimal()


@settings(max_examples=500, deadline=None)
@given(case=halves)
def test_half_way_values_round_as_nautilus_does(case):
    value, precision = case
    assert fixed(value, precision) == Price(value, precision).as_decimal()


@settings(max_examples=500, deadline=None)
@given(raw=st.integers(0, 10**12), precision=st.integers(0, 9))
def test_doubles_of_decimal_strings_match(raw, precision):
    text = f"{Decimal(raw).scaleb(-precision):f}"  # plain notation, as NautilusTrader writes values
    assert f64(text) == Quantity.from_str(text).as_double() == Price.from_str(text).as_double()


@settings(max_examples=300, deadline=None)
@given(raw=st.integers(-(10**12), 10**12))
def test_money_from_decimal_goes_through_a_double(raw):
    value = Decimal(raw).scaleb(-9)
    assert fixed_dec(value, 2) == Money(value, USD).as_decimal()
