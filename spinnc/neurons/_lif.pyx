# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The LIF model's compiled per-neuron loop (:mod:`spinnc.neurons.lif`).

:func:`lif_update` runs the update of ``lif_loop.h``, per neuron what the
firmware does (the scheme is documented in :mod:`spinnc.fixed`): a spike's
sub-tick time needs a series whose length depends on the neuron, which numpy
cannot do without masking every term.  Every operation is :mod:`spinnc.fixed`'s
on int64: products exact, ``+ half``, arithmetic shift right, saturation to
int32 where ``fixed.mul`` / ``fixed.saturate`` would saturate, so the results
are those of the numpy formulation to the bit.  :data:`LOOP` is the same loop for
the emulator's ensemble kernel to call without Python in between (through
``NeuronModel.compiled_loop``).
"""

import numpy as np

from cpython.pycapsule cimport PyCapsule_New
from libc.stdint cimport int32_t, int64_t

DEF ONE = 1 << 15  # 1.0 in s16.15

cdef extern from "lif_loop.h" nogil:
    Py_ssize_t spinnc_lif_loop(const int64_t *table, const int64_t *inverse,
                               int64_t tau_rc_ticks, int64_t tau_ref_ticks,
                               int64_t min_voltage, int log_terms, const int32_t *current,
                               int32_t *voltage, int32_t *refractory, int64_t *spikes,
                               Py_ssize_t n)


# The signature of a neuron model's compiled loop (a "spinnc.neuron_loop"
# capsule, NeuronModel.compiled_loop; the emulator's _kernels.pyx declares it
# alike): packed constants, currents, the state (one row of ``stride`` words
# per state variable, in the model's order), the neurons' number, the spike
# indices written; returns how many spiked.
ctypedef Py_ssize_t (*neuron_loop_t)(const int64_t *, const int32_t *, int32_t *, Py_ssize_t,
                                     Py_ssize_t, int64_t *) noexcept nogil

#: Where :func:`packed` puts the decay table (the inverses follow it).
DEF TABLE = 4


def lif_update(const int64_t[::1] table, const int64_t[::1] inverse, int64_t tau_rc_ticks,
               int64_t tau_ref_ticks, int64_t min_voltage, int log_terms,
               const int64_t[::1] current, int64_t[::1] voltage, int64_t[::1] refractory,
               int64_t[::1] spikes):
    """Advance every neuron one tick in place; write the indices of the
    neurons that spiked to the front of ``spikes`` and return their number.

    ``table`` is ``k(delta)`` for delta 0..ONE (s1.30), ``inverse[n - 1]`` is
    1/n in s1.30; the arrays hold int32 words widened to int64 (the loop
    runs on int32 copies of them).
    """
    cdef Py_ssize_t n = current.shape[0], count = 0
    if n == 0:
        return 0
    cdef int32_t[::1] j = np.asarray(current, dtype=np.int32)
    cdef int32_t[::1] v = np.asarray(voltage, dtype=np.int32)
    cdef int32_t[::1] r = np.asarray(refractory, dtype=np.int32)
    with nogil:
        count = spinnc_lif_loop(&table[0], &inverse[0], tau_rc_ticks, tau_ref_ticks,
                                min_voltage, log_terms, &j[0], &v[0], &r[0], &spikes[0], n)
    np.asarray(voltage)[:] = v
    np.asarray(refractory)[:] = r
    return count


cdef Py_ssize_t _packed_loop(const int64_t *c, const int32_t *current, int32_t *state,
                             Py_ssize_t stride, Py_ssize_t n, int64_t *spikes) noexcept nogil:
    return spinnc_lif_loop(c + TABLE, c + TABLE + ONE + 1, c[0], c[1], c[2], <int>c[3],
                           current, state, state + stride, spikes, n)


def packed(const int64_t[::1] table, const int64_t[::1] inverse, int64_t tau_rc_ticks,
           int64_t tau_ref_ticks, int64_t min_voltage, int log_terms):
    """The constants of :data:`LOOP` in one int64 array: the four scalars,
    then ``table`` (ONE + 1 entries), then ``inverse``."""
    return np.concatenate([np.array([tau_rc_ticks, tau_ref_ticks, min_voltage, log_terms],
                                    dtype=np.int64), table, inverse])


#: The LIF loop as a "spinnc.neuron_loop" capsule (state rows: voltage, refractory).
LOOP = PyCapsule_New(<void *><neuron_loop_t>_packed_loop, b"spinnc.neuron_loop", NULL)
