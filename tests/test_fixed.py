"""spinnc.fixed checked against exact rational arithmetic."""

from fractions import Fraction
from math import expm1, floor, log1p

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinnc import fixed
from spinnc.errors import QuantisationError
from spinnc.fixed import INT32_MAX, INT32_MIN, S1_30, S16_15

int32s = st.integers(INT32_MIN, INT32_MAX)
formats = st.sampled_from(fixed.FORMATS)


def clamp(value):
    return max(INT32_MIN, min(INT32_MAX, value))


def exact_round(value: Fraction) -> int:
    """Round to nearest, halves up, then saturate: the contract."""
    return clamp(floor(value + Fraction(1, 2)))


@given(st.floats(allow_nan=False, allow_infinity=False, width=64), formats)
def test_to_fixed_within_half_a_unit_or_flagged(x, fmt):
    raw, saturated = fixed.to_fixed(x, fmt)
    exact = Fraction(x) * fmt.one
    in_range = INT32_MIN - Fraction(1, 2) <= exact < INT32_MAX + Fraction(1, 2)
    assert bool(saturated) == (not in_range)
    assert int(raw) == exact_round(exact)
    if in_range:
        assert abs(Fraction(int(raw), fmt.one) - Fraction(x)) <= Fraction(1, 2 * fmt.one)


@given(st.floats(min_value=S16_15.min_value, max_value=S16_15.max_value))
def test_s16_15_error_is_at_most_2_to_minus_16(x):
    raw, saturated = fixed.to_fixed(x)
    assert not saturated
    assert abs(Fraction(int(raw), 2**15) - Fraction(x)) <= Fraction(1, 2**16)


def test_non_finite_values_saturate():
    raw, saturated = fixed.to_fixed([np.nan, np.inf, -np.inf, 1.0])
    assert saturated.tolist() == [True, True, True, False]
    assert raw.tolist()[1:] == [INT32_MAX, INT32_MIN, 2**15]


def test_quantise_names_what_saturated():
    with pytest.raises(QuantisationError, match="'pop' bias: 1 of 3 values"):
        fixed.quantise([0.5, 70000.0, -1.0], S16_15, "'pop' bias")


def test_halves_round_up():
    half = 2.0**-16  # half a unit of s16.15
    raw, _ = fixed.to_fixed([half, -half, 3 * half], S16_15)
    assert raw.tolist() == [1, 0, 2]


@given(int32s, int32s, formats)
def test_mul_is_exact_product_rounded_once(a, b, fmt):
    expected = exact_round(Fraction(a * b, fmt.one))
    assert int(fixed.mul(a, b, fmt)) == expected


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(-(2**24), 2**24), st.integers(-(2**24), 2**24)),
                min_size=1, max_size=40), formats)
def test_dot_accumulates_exactly_and_rounds_once(pairs, fmt):
    a = np.array([p[0] for p in pairs], dtype=np.int32)
    b = np.array([p[1] for p in pairs], dtype=np.int32)
    assert fixed.dot_fits(2**24, 2**24, len(pairs))
    expected = exact_round(Fraction(sum(int(x) * int(y) for x, y in pairs), fmt.one))
    assert int(fixed.dot(a, b, fmt)) == expected


def test_dot_rounds_the_sum_not_each_term():
    # Each product is exactly half a unit: rounding each term would give 2.
    assert int(fixed.dot(np.array([1, 1]), np.array([2**14, 2**14]))) == 1


def test_dot_fits_detects_possible_overflow():
    assert fixed.dot_fits(2**20, 2**31, 2**10)
    assert fixed.dot_fits(2**31, 2**31, 1)
    assert not fixed.dot_fits(2**31, 2**31, 2)


@given(int32s, int32s.filter(lambda b: b != 0), formats)
def test_div_rounds_to_nearest(a, b, fmt):
    assert int(fixed.div(a, b, fmt)) == exact_round(Fraction(a * fmt.one, b))


def test_div_by_zero_saturates_by_sign():
    assert fixed.div([5, -5], [0, 0]).tolist() == [INT32_MAX, INT32_MIN]


@given(st.floats(min_value=0.0, max_value=1.99))
def test_one_minus_exp_neg_series(x):
    raw = fixed.to_fixed(x, S1_30)[0]
    terms = fixed.exp_series_terms(x)
    result = fixed.to_float(fixed.one_minus_exp_neg(raw, terms), S1_30)
    exact = -expm1(-float(fixed.to_float(raw, S1_30)))
    assert abs(result - exact) <= terms * 2 * S1_30.resolution


@given(st.floats(min_value=0.0, max_value=0.86))
def test_neg_log1m_series(r):
    raw = fixed.to_fixed(r, S1_30)[0]
    terms = fixed.log_series_terms(r)
    result = fixed.to_float(fixed.neg_log1m(raw, terms), S1_30)
    exact = -log1p(-float(fixed.to_float(raw, S1_30)))
    assert abs(result - exact) <= terms * 2 * S1_30.resolution


def test_series_lengths_grow_with_the_argument():
    assert fixed.exp_series_terms(0.05) < fixed.exp_series_terms(1.0)
    assert fixed.log_series_terms(0.05) < fixed.log_series_terms(0.6)
    with pytest.raises(QuantisationError):
        fixed.log_series_terms(1.0)
