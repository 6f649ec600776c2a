"""The fixed-point contract: every number format spinnc uses, and the arithmetic on it.

SpiNNaker's ARM968 cores have no floating point, so every value a kernel
touches is an integer with an implied binary point.  This module is the single
home of those formats and of the operations kernels may use.  Every operation
is exact integer arithmetic with one documented rounding, so a run is
bit-exact and deterministic on any machine.

Formats
-------
``S16_15`` (s16.15, the C ``accum`` type)
    Values, parameters and packet payloads: decoded values, encoders x gain,
    biases, decoders, transforms, input currents, membrane voltage, refractory
    time (in ticks), AdaptiveLIF's adaptation current and its jump per spike.
    Range [-65536, 65536), resolution 2**-15.
``S1_30`` (s1.30)
    Coefficients in [0, 1]: synaptic filter and LIF decay factors, and the
    terms of the series below.  s16.15 would lose up to 1.5e-5 absolute on a
    0.95 decay, compounded every tick; s1.30 keeps 9.3e-10 and still holds 1.0
    exactly (needed for ``synapse=None``).  Also AdaptiveLIF's ``dt / tau_n``
    and SpikingRectifiedLinear's ``dt`` (1 ms in s16.15 would be 33 units,
    0.7 % off; in s1.30 it is 1073742).  Range [-2, 2).
``S2_29``, ``S3_28``, ``S4_27`` (s2.29, s3.28, s4.27)
    Coefficients of synaptic filters of higher order that s1.30 cannot hold:
    a third-order filter's denominator has a term near 3 (its poles near 1
    give binomial coefficients 3, 3, 1), a fourth-order one near 6, a fifth
    near 10.  A filter takes the first of s1.30, s2.29, s3.28, s4.27 that
    holds all its coefficients (:data:`FILTER_FORMATS`), so every Lowpass
    (and most second-order filters: Alpha, double exponentials) keeps s1.30's
    9.3e-10, and each bit of range costs only the precision it must.
    Ranges [-4, 4), [-8, 8), [-16, 16); coefficients beyond that are refused.

Each neuron model in :mod:`spinnc.neurons` lists the format of every constant
and state variable it stores (``NeuronModel.constants`` and ``.state``), with
the reason.

Operations
----------
Conversion rounds to nearest (halves up) and saturates; a saturating
*parameter* is an error (:func:`quantise`).  A product is the exact int64
product, plus half an output unit, arithmetic shift right, saturated to int32
(:func:`mul`).  A dot product accumulates exact int64 products and rounds once
(:func:`dot`); :func:`dot_fits` proves beforehand that the accumulator cannot
overflow.  A quotient is rounded to nearest (:func:`div`; ARM968 has no
divider, so kernels use it only once per spike).

LIF neurons (how the rate stays within 1 Hz of nengo's)
-------------------------------------------------------
nengo's LIF integrates the membrane exactly over each tick and places spikes
between ticks; a fixed-point LIF that only counts whole ticks is off by tens
of Hz at 300 Hz.  spinnc keeps nengo's scheme with fixed-point pieces:

* ``v`` (s16.15), threshold 1, reset 0, floor ``min_voltage``.
* Refractory time ``ref`` in ticks (s16.15): ``tau_ref / dt``.
* Each tick: ``ref -= 1``; the neuron integrates for the fraction
  ``delta = clip(1 - ref, 0, 1)`` of the tick: ``v += (J - v) * k(delta)``,
  ``k(delta) = 1 - exp(-delta * dt / tau_rc)`` (s1.30).  ``k(1)`` is a stored
  constant; the partial tick after a refractory period evaluates
  :func:`one_minus_exp_neg` (a series with enough terms for 2**-31).
* A neuron spikes when ``v > 1``.  How long ago it crossed 1 is
  ``tau_rc / dt * -ln(1 - r)`` ticks with ``r = (v - 1) / (J - 1)``; since
  ``r <= k(1) < 1``, :func:`neg_log1m` sums the series to 2**-31.  The
  refractory time becomes ``tau_ref / dt + 1 - overshoot``.

Synaptic filters
----------------
Every synapse is a discrete linear filter of some order ``n`` (nengo's own
discretisation, :mod:`spinnc.frontend.synapses`), run on last tick's input
``x`` (s16.15): numerator ``g[0..n)`` and feedback ``p[1..n]`` (the
denominator ``1 - p1 z^-1 - ... - pn z^-n``) in the filter's coefficient
format; per dimension a state of ``n`` words (s16.15), the output ``y`` and
``n - 1`` partial sums ``s`` of the terms of earlier ticks::

    y'   = sat(mul(x, g0) + mul(y, p1) + s1)
    s_k' = sat(mul(x, g_k) + mul(y, p_k+1) + s_k+1)      k = 1 .. n-1 (s_n = 0)

so ``y_t = sum g_k x_t-k + sum p_k y_t-k`` with each product rounded once and
each partial sum saturated.

A ``Lowpass(tau)`` (nengo's zero-order hold) is the first-order case ``y =
a * y + b * x`` with ``a = p1 = exp(-dt / tau)`` and ``b = g0 = 1 - a`` in
s1.30, ``a + b`` exactly 1 so the gain for a constant is exactly 1 (higher
orders: the numerator is corrected so that its sum matches the float DC gain
times the quantised denominator's, to the unit); each product is rounded, so
a constant input settles within about ``tau / dt`` units of s16.15 of itself
(measured: 5 units at 5 ms, 100 units = 0.003 at 100 ms).  ``synapse=None``
is ``a = 0, b = 1``.  Higher orders with poles near 1 amplify the rounding
more (the noise gain of each pole), which the quantisation report's filter
entries measure.

Decoders
--------
An ensemble's outgoing weights are stored *per spike*: ``weights * amplitude /
dt`` (nengo's spike output is ``amplitude / dt``).  Decoders of 1e-4 would
keep only three significant bits in s16.15; per spike they are near 0.1 and
keep twelve, and decoding is then one addition per spike.
"""

from dataclasses import dataclass
from math import factorial

import numpy as np

from .errors import QuantisationError

try:  # the clip ufunc itself: np.clip's Python wrapper costs more than small clips
    from numpy._core.umath import clip as _clip
except ImportError:  # pragma: no cover - other numpy layouts
    _clip = np.clip

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Format:
    """A signed 32-bit fixed-point format with ``frac_bits`` fractional bits."""

    name: str
    frac_bits: int
    reason: str

    @property
    def one(self) -> int:
        """The raw integer that represents 1.0."""
        return 1 << self.frac_bits

    @property
    def resolution(self) -> float:
        return 2.0**-self.frac_bits

    @property
    def min_value(self) -> float:
        return INT32_MIN * self.resolution

    @property
    def max_value(self) -> float:
        return INT32_MAX * self.resolution


S16_15 = Format("s16.15", 15, "values, parameters and packet payloads (C accum)")
S1_30 = Format("s1.30", 30, "filter and neuron decay coefficients and dt, in [0, 2)")
S2_29 = Format("s2.29", 29, "filter coefficients in [-4, 4) (third-order filters)")
S3_28 = Format("s3.28", 28, "filter coefficients in [-8, 8) (fourth-order filters)")
S4_27 = Format("s4.27", 27, "filter coefficients in [-16, 16) (fifth-order filters)")

#: Every format in use, for reports and documentation.
FORMATS = (S16_15, S1_30, S2_29, S3_28, S4_27)
#: A synaptic filter's coefficients take the first of these that holds them all.
FILTER_FORMATS = (S1_30, S2_29, S3_28, S4_27)


@dataclass(frozen=True)
class LIFConstants:
    """A population's fixed-point LIF constants (the scheme above)."""

    decay: int  # k(1) = 1 - exp(-dt / tau_rc), s1.30
    dt_over_tau_rc: int  # s1.30, for the partial-tick k(delta)
    tau_rc_ticks: int  # tau_rc / dt, s16.15, for the spike time
    tau_ref_ticks: int  # tau_ref / dt, s16.15
    min_voltage: int  # s16.15
    exp_terms: int  # series terms for k(delta)
    log_terms: int  # series terms for -ln(1 - r)


def to_fixed(x, fmt: Format = S16_15):
    """Convert floats to ``fmt``, rounding to nearest (halves up) and saturating.

    Returns
    -------
    raw : ndarray of int32
        The fixed-point values.
    saturated : ndarray of bool
        Where the value was outside the format's range (or not finite).
    """
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    # Scaling by a power of two is exact; clip first so that huge values and
    # infinities saturate by their sign.
    with np.errstate(over="ignore"):  # overflow to infinity saturates, as intended
        scaled = np.clip(np.where(nan, 0.0, x) * fmt.one, INT32_MIN - 1.0, INT32_MAX + 1.0)
    whole = np.floor(scaled)
    rounded = whole + (scaled - whole >= 0.5)  # exact, unlike floor(x + 0.5)
    saturated = nan | (rounded < INT32_MIN) | (rounded > INT32_MAX)
    raw = np.clip(rounded, INT32_MIN, INT32_MAX).astype(np.int32)
    return raw, saturated


def to_float(raw, fmt: Format = S16_15):
    """The real values that raw fixed-point integers stand for."""
    return np.asarray(raw, dtype=np.float64) * fmt.resolution


def quantise(x, fmt: Format = S16_15, what: str = "value", hint: str = ""):
    """Convert a parameter to ``fmt``; saturation is an error naming ``what``
    (and saying what to change, ``hint``)."""
    raw, saturated = to_fixed(x, fmt)
    if saturated.any():
        bad = np.asarray(x, dtype=np.float64)[saturated]
        largest = bad[np.argmax(np.abs(np.nan_to_num(bad, nan=np.inf)))]
        raise QuantisationError(
            f"{what}: {saturated.sum()} of {saturated.size} values do not fit "
            f"{fmt.name} (range {fmt.min_value:g} to {fmt.max_value:g}); the "
            f"largest is {largest:g}" + (f". {hint}" if hint else "")
        )
    return raw


def saturate(x):
    """Clip int64 results to the int32 range."""
    return _clip(x, INT32_MIN, INT32_MAX).astype(np.int32)


def mul(a, b, fmt: Format = S16_15):
    """``a * b`` where ``b`` is in ``fmt``; the result is in ``a``'s format.

    The exact int64 product plus half a unit, shifted right arithmetically by
    ``fmt.frac_bits`` (round to nearest, halves up), saturated.
    """
    product = np.multiply(a, b, dtype=np.int64)
    product += 1 << (fmt.frac_bits - 1)
    product >>= fmt.frac_bits
    return saturate(product)


def mul_bits(a, b, frac_bits):
    """:func:`mul` with ``b``'s fractional bits given per element
    (``frac_bits``, an int or an array broadcast with ``a`` and ``b``)."""
    frac_bits = np.asarray(frac_bits, dtype=np.int64)
    product = np.multiply(a, b, dtype=np.int64)
    product += np.left_shift(1, frac_bits - 1)
    product >>= frac_bits
    return saturate(product)


def dot(a, b, fmt: Format = S16_15):
    """Matrix product ``a @ b`` with ``b`` in ``fmt``, result in ``a``'s format.

    Exact int64 products are accumulated and rounded once.  The caller must
    have checked :func:`dot_fits` for the operands' bounds (int64 wraps
    silently).
    """
    acc = np.matmul(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
    return saturate((acc + (1 << (fmt.frac_bits - 1))) >> fmt.frac_bits)


def dot_fits(max_abs_a: int, max_abs_b: int, length: int) -> bool:
    """Whether a :func:`dot` over ``length`` terms bounded by the given raw
    magnitudes can never overflow its int64 accumulator."""
    return int(max_abs_a) * int(max_abs_b) * int(length) + 2**30 < 2**63


def div(a, b, fmt: Format = S16_15):
    """``a / b`` in ``fmt`` (``a`` and ``b`` in one common format), rounded to
    nearest (halves up) and saturated; division by zero saturates by the sign
    of ``a``."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    numerator = a << fmt.frac_bits
    safe_b = np.where(b == 0, 1, b)
    # floor(n / b + 1/2) == floor((2n + b) / 2b) for either sign of b
    quotient = (2 * numerator + safe_b) // (2 * safe_b)
    quotient = np.where(b == 0, np.where(a >= 0, INT32_MAX, INT32_MIN), quotient)
    return saturate(quotient)


#: 1/n in s1.30 for the series below.
MAX_SERIES_TERMS = 256
_INVERSE = to_fixed(1.0 / np.arange(1, MAX_SERIES_TERMS + 1), S1_30)[0]


def exp_series_terms(x_max: float) -> int:
    """Terms of :func:`one_minus_exp_neg` needed for an error below 2**-31
    when ``0 <= x <= x_max``: the first omitted term ``x**(n+1) / (n+1)!``."""
    n = 1
    while x_max ** (n + 1) / factorial(n + 1) >= 2.0**-31:
        n += 1
        if n >= MAX_SERIES_TERMS:
            raise QuantisationError(
                f"1 - exp(-x) for x up to {x_max:g} needs more than "
                f"{MAX_SERIES_TERMS} series terms"
            )
    return n


def log_series_terms(r_max: float) -> int:
    """Terms of :func:`neg_log1m` needed for an error below 2**-31 when
    ``0 <= r <= r_max < 1``: the tail after n terms is below
    ``r**(n+1) / ((n+1) * (1 - r))``."""
    if not 0 <= r_max < 1:
        raise QuantisationError(f"-ln(1 - r) needs r < 1, not {r_max:g}")
    n = 1
    while r_max ** (n + 1) / ((n + 1) * (1 - r_max)) >= 2.0**-31:
        n += 1
        if n >= MAX_SERIES_TERMS:
            raise QuantisationError(
                f"-ln(1 - r) for r up to {r_max:g} needs more than "
                f"{MAX_SERIES_TERMS} series terms"
            )
    return n


def one_minus_exp_neg(x, terms: int):
    """``1 - exp(-x)`` for ``x >= 0`` in s1.30, by Horner's rule on
    ``x (1 - x/2 (1 - x/3 (1 - ...)))`` with ``terms`` terms."""
    one = S1_30.one
    x = np.asarray(x, dtype=np.int32)
    t = np.full(x.shape, one, dtype=np.int32)
    for n in range(terms, 1, -1):
        t = saturate(one - mul(mul(x, t, S1_30), _INVERSE[n - 1], S1_30).astype(np.int64))
    return mul(x, t, S1_30)


def neg_log1m(r, terms: int):
    """``-ln(1 - r) = r + r**2/2 + r**3/3 + ...`` for ``0 <= r < 1`` in s1.30,
    with ``terms`` terms."""
    r = np.asarray(r, dtype=np.int32)
    if r.size and np.abs(r).max() <= S1_30.one:
        return neg_log1m_unit(r.astype(np.int64), terms)
    power = r
    total = r.astype(np.int64)
    for n in range(2, terms + 1):
        power = mul(power, r, S1_30)
        total = total + mul(power, _INVERSE[n - 1], S1_30)
    return saturate(total)


def neg_log1m_unit(r: np.ndarray, terms: int) -> np.ndarray:
    """:func:`neg_log1m` for int64 ``r`` known to hold ``|r| <= 1`` (s1.30),
    in fewer operations: every power
    and term then stays within +-1 (s1.30), so the multiplies' saturation
    never acts and is left out; the result is the same to the bit."""
    half = 1 << (S1_30.frac_bits - 1)
    powers = np.empty((terms, r.size), dtype=np.int64)
    powers[0] = r
    for n in range(1, terms):
        power = np.multiply(powers[n - 1], r, out=powers[n])
        power += half
        power >>= S1_30.frac_bits
    # Term n (from 1) is power_n / n, rounded; term 1 is r itself.
    scaled = powers[1:] * _INVERSE[1:terms, None].astype(np.int64)
    scaled += half
    scaled >>= S1_30.frac_bits
    return saturate(r + scaled.sum(axis=0))
