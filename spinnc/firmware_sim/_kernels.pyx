# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The emulator's compiled per-neuron loops.

:func:`lif_update` is the LIF update of spinnc.firmware_sim.lif: one pass
over the neurons, per neuron what the firmware does (the scheme is documented
in :mod:`spinnc.fixed`).  Every operation is :mod:`spinnc.fixed`'s on int64:
products exact, ``+ half``, arithmetic shift right, saturation to int32 where
``fixed.mul`` / ``fixed.saturate`` would saturate, so the results are those of
the numpy formulation to the bit.

:func:`encode` makes the ensembles' input currents from their encoders, and
:func:`decode` adds the spiking neurons' per-spike decoders into their packet
slots (the ensembles' decoding), in spike order.
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


ctypedef fused number:
    int64_t
    double


def encode(const int32_t[::1] words, const int64_t[::1] start, const int64_t[::1] base,
           const int32_t[::1] u, const int64_t[::1] bias, int64_t[::1] out):
    """``out[i]`` = the exact sum of ``words[start[i] + d] * u[base[i] + d]``
    (s16.15 x s16.15), rounded once (+ half, >> 15), saturated, plus
    ``bias[i]``: an ensemble's input currents before its neuron inputs."""
    cdef Py_ssize_t i, k
    cdef int64_t acc, offset
    with nogil:
        for i in range(out.shape[0]):
            acc = 0
            offset = base[i] - start[i]
            for k in range(start[i], start[i + 1]):
                acc += <int64_t>words[k] * u[offset + k]
            out[i] = _sat((acc + (1 << 14)) >> 15) + bias[i]


def decode(const int64_t[::1] spikes, const int64_t[::1] start, const int64_t[::1] slot,
           const number[::1] weight, number[::1] total):
    """Add ``weight[start[i]:start[i + 1]]`` into ``total`` at
    ``slot[start[i]:start[i + 1]]`` for every neuron ``i`` in ``spikes``, in
    that order (int64: exact; float64: the order a sparse product adds in)."""
    cdef Py_ssize_t s, k, i
    with nogil:
        for s in range(spikes.shape[0]):
            i = spikes[s]
            for k in range(start[i], start[i + 1]):
                total[slot[k]] += weight[k]


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
