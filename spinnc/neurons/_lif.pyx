# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The LIF model's compiled per-neuron loop (:mod:`spinnc.neurons.lif`).

:func:`lif_update` is one pass over the neurons, per neuron what the firmware
does (the scheme is documented in :mod:`spinnc.fixed`): a spike's sub-tick time
needs a series whose length depends on the neuron, which numpy cannot do
without masking every term.  Every operation is :mod:`spinnc.fixed`'s on
int64: products exact, ``+ half``, arithmetic shift right, saturation to int32
where ``fixed.mul`` / ``fixed.saturate`` would saturate, so the results are
those of the numpy formulation to the bit.
"""

from libc.stdint cimport int32_t, int64_t

DEF ONE = 1 << 15  # 1.0 in s16.15
DEF S1_30_HALF = 1 << 29
DEF INT32_MIN = -2147483648
DEF INT32_MAX = 2147483647


cdef inline int64_t _sat(int64_t x) noexcept nogil:
    if x < INT32_MIN:
        return INT32_MIN
    if x > INT32_MAX:
        return INT32_MAX
    return x


cdef inline int64_t _mul30(int64_t a, int64_t b) noexcept nogil:
    """fixed.mul(a, b, S1_30) for operands whose product fits int64."""
    return _sat((a * b + S1_30_HALF) >> 30)


def lif_update(const int64_t[::1] table, const int64_t[::1] inverse, int64_t tau_rc_ticks,
               int64_t tau_ref_ticks, int64_t min_voltage, int log_terms,
               const int64_t[::1] current, int64_t[::1] voltage, int64_t[::1] refractory,
               int64_t[::1] spikes):
    """Advance every neuron one tick in place; write the indices of the
    neurons that spiked to the front of ``spikes`` and return their number.

    ``table`` is ``k(delta)`` for delta 0..ONE (s1.30), ``inverse[n - 1]`` is
    1/n in s1.30; the arrays hold int32 words widened to int64.
    """
    cdef Py_ssize_t i, n = current.shape[0], count = 0
    cdef int64_t r, delta, change, v, over, drive, ratio, power, total, ticks, j
    cdef int k
    with nogil:
        for i in range(n):
            r = refractory[i] - ONE
            # Fraction of this tick the neuron integrates for (0 while refractory).
            delta = ONE - r
            if delta < 0:
                delta = 0
            elif delta > ONE:
                delta = ONE
            j = current[i]
            change = _mul30(_sat(j - voltage[i]), table[delta])
            v = _sat(voltage[i] + change)
            if v > ONE:
                # Time since the crossing of 1, in ticks: tau_rc/dt * -ln(1 - ratio),
                # ratio = (v - 1) / (J - 1) in (0, 1] (fixed.div, rounded half up).
                over = v - ONE
                drive = j - ONE
                if drive < over:
                    drive = over
                ratio = ((over << 31) + drive) // (2 * drive)
                # -ln(1 - ratio) = sum of ratio**k / k (fixed.neg_log1m).
                power = ratio
                total = ratio
                for k in range(1, log_terms):
                    power = (power * ratio + S1_30_HALF) >> 30
                    total += (power * inverse[k] + S1_30_HALF) >> 30
                ticks = _mul30(tau_rc_ticks, _sat(total))
                if ticks > delta:
                    ticks = delta
                r = tau_ref_ticks + ONE - ticks
                refractory[i] = <int32_t>(r if r > 0 else 0)  # an int32 word
                voltage[i] = 0
                spikes[count] = i
                count += 1
            else:
                voltage[i] = v if v > min_voltage else min_voltage
                # A finished refractory period stays at 0 instead of counting down.
                refractory[i] = r if r > 0 else 0
    return count
