# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The LIF model's compiled per-neuron loop (:mod:`spinnc.neurons.lif`).

:func:`lif_update` is one pass over the neurons, per neuron what the firmware
does (the scheme is documented in :mod:`spinnc.fixed`): a spike's sub-tick time
needs a series whose length depends on the neuron, which numpy cannot do
without masking every term.  Every operation is :mod:`spinnc.fixed`'s on
int64: products exact, ``+ half``, arithmetic shift right, saturation to int32
where ``fixed.mul`` / ``fixed.saturate`` would saturate, so the results are
those of the numpy formulation to the bit.  :data:`LOOP` is the same loop for
the emulator's ensemble kernel to call without Python in between (through
``NeuronModel.compiled_loop``).
"""

import numpy as np

from cpython.pycapsule cimport PyCapsule_New
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


# The signature of a neuron model's compiled loop (a "spinnc.neuron_loop"
# capsule, NeuronModel.compiled_loop; the emulator's _kernels.pyx declares it
# alike): packed constants, currents, the state (one row of ``stride`` words
# per state variable, in the model's order), the neurons' number, the spike
# indices written; returns how many spiked.
ctypedef Py_ssize_t (*neuron_loop_t)(const int64_t *, const int32_t *, int32_t *, Py_ssize_t,
                                     Py_ssize_t, int64_t *) noexcept nogil

# The loop's words: int64 holding int32 words (lif_update's arrays), or int32.
ctypedef fused word:
    int32_t
    int64_t

#: Where :func:`packed` puts the decay table (the inverses follow it).
DEF TABLE = 4


cdef Py_ssize_t _lif_loop(const int64_t *table, const int64_t *inverse, int64_t tau_rc_ticks,
                          int64_t tau_ref_ticks, int64_t min_voltage, int log_terms,
                          const word *current, word *voltage, word *refractory,
                          int64_t *spikes, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, count = 0
    cdef int64_t r, delta, change, v, over, drive, ratio, power, total, ticks, j
    cdef int k
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


def lif_update(const int64_t[::1] table, const int64_t[::1] inverse, int64_t tau_rc_ticks,
               int64_t tau_ref_ticks, int64_t min_voltage, int log_terms,
               const int64_t[::1] current, int64_t[::1] voltage, int64_t[::1] refractory,
               int64_t[::1] spikes):
    """Advance every neuron one tick in place; write the indices of the
    neurons that spiked to the front of ``spikes`` and return their number.

    ``table`` is ``k(delta)`` for delta 0..ONE (s1.30), ``inverse[n - 1]`` is
    1/n in s1.30; the arrays hold int32 words widened to int64.
    """
    cdef Py_ssize_t n = current.shape[0], count = 0
    if n:
        with nogil:
            count = _lif_loop(&table[0], &inverse[0], tau_rc_ticks, tau_ref_ticks, min_voltage,
                              log_terms, &current[0], &voltage[0], &refractory[0], &spikes[0],
                              n)
    return count


cdef Py_ssize_t _packed_loop(const int64_t *c, const int32_t *current, int32_t *state,
                             Py_ssize_t stride, Py_ssize_t n, int64_t *spikes) noexcept nogil:
    return _lif_loop(c + TABLE, c + TABLE + ONE + 1, c[0], c[1], c[2], <int>c[3], current,
                     state, state + stride, spikes, n)


def packed(const int64_t[::1] table, const int64_t[::1] inverse, int64_t tau_rc_ticks,
           int64_t tau_ref_ticks, int64_t min_voltage, int log_terms):
    """The constants of :data:`LOOP` in one int64 array: the four scalars,
    then ``table`` (ONE + 1 entries), then ``inverse``."""
    return np.concatenate([np.array([tau_rc_ticks, tau_ref_ticks, min_voltage, log_terms],
                                    dtype=np.int64), table, inverse])


#: The LIF loop as a "spinnc.neuron_loop" capsule (state rows: voltage, refractory).
LOOP = PyCapsule_New(<void *><neuron_loop_t>_packed_loop, b"spinnc.neuron_loop", NULL)
