# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The emulator's compiled per-neuron loops (the
neuron models' own loops live in :mod:`spinnc.neurons`).

:func:`encode` makes the ensembles' input currents from their encoders, and
:func:`decode` adds the spiking neurons' per-spike decoders into their packet
slots (the ensembles' decoding), in spike order.  :func:`spike_cycles` adds
what each spike costs its core (the cost model's per-spike terms).
"""

from libc.stdint cimport int32_t, int64_t

DEF INT32_MIN = -2147483648
DEF INT32_MAX = 2147483647


cdef inline int64_t _sat(int64_t x) noexcept nogil:
    if x < INT32_MIN:
        return INT32_MIN
    if x > INT32_MAX:
        return INT32_MAX
    return x


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


def spike_cycles(const int64_t[::1] spikes, const int64_t[::1] core,
                 const int64_t[::1] cycles, int64_t[::1] out):
    """Add ``cycles[i]`` into ``out[core[i]]`` for every neuron ``i`` in ``spikes``."""
    cdef Py_ssize_t s, i
    with nogil:
        for s in range(spikes.shape[0]):
            i = spikes[s]
            out[core[i]] += cycles[i]


def later_spike_cycles(const int64_t[::1] spikes, int64_t k, const int64_t[::1] ticks,
                       const int64_t[::1] cycles, const int64_t[::1] core, int64_t[::1] out):
    """:func:`spike_cycles` of the neurons ``i`` in ``spikes`` (of ``k`` ticks
    ago) whose spike costs ``cycles[i]`` again ``ticks[i] == k`` ticks later."""
    cdef Py_ssize_t s, i
    with nogil:
        for s in range(spikes.shape[0]):
            i = spikes[s]
            if ticks[i] == k:
                out[core[i]] += cycles[i]
