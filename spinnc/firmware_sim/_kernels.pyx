# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The emulator's compiled per-neuron loops (the
neuron models' own loops live in :mod:`spinnc.neurons`).

:func:`encode` makes the ensembles' input currents from their encoders, and
:func:`decode` adds the spiking neurons' per-spike decoders into their packet
slots (the ensembles' decoding), in spike order.
:func:`ensemble_tick` is a fixed-point ensemble's whole tick (encoding, a
neuron model's compiled loop, decoding) over parts of its neurons at once,
each part on an OpenMP thread (serially where the compiler has no OpenMP:
the same bits, the parts' sums being exact).
"""

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t

cdef extern from "encode_runs.h" nogil:
    void spinnc_encode_runs(Py_ssize_t n_runs, const int64_t *run_start, const int64_t *run_dims,
                            const int64_t *run_word, const int64_t *run_input,
                            const int32_t *words, const int32_t *u, const int64_t *bias,
                            const int64_t *extra, int32_t *current, Py_ssize_t lo,
                            Py_ssize_t hi)

# A neuron model's compiled loop (spinnc/neurons/_lif.pyx declares it alike).
ctypedef Py_ssize_t (*neuron_loop_t)(const int64_t *, const int32_t *, int32_t *, Py_ssize_t,
                                     Py_ssize_t, int64_t *) noexcept nogil

DEF INT32_MIN = -2147483648
DEF INT32_MAX = 2147483647


cdef inline int64_t _sat(int64_t x) noexcept nogil:
    if x < INT32_MIN:
        return INT32_MIN
    if x > INT32_MAX:
        return INT32_MAX
    return x


def encode(const int32_t[::1] words, const int64_t[::1] start, const int64_t[::1] base,
           const int32_t[::1] u, const int64_t[::1] bias, int64_t[::1] out):
    """``out[i]`` = the exact sum of ``words[start[i] + d] * u[base[i] + d]``
    (s16.15 x s16.15), rounded once (+ half, >> 15), saturated, plus
    ``bias[i]``: an ensemble's input currents before its neuron inputs."""
    cdef Py_ssize_t i
    cdef const int32_t *w = &words[0] if words.shape[0] else NULL
    with nogil:
        for i in range(out.shape[0]):
            out[i] = _encoded(w, &start[0], &base[0], &u[0], i) + bias[i]


cdef inline int64_t _encoded(const int32_t *words, const int64_t *start, const int64_t *base,
                             const int32_t *u, Py_ssize_t i) noexcept nogil:
    """Neuron ``i``'s encoders times its inputs, exact, rounded once, saturated."""
    cdef Py_ssize_t k
    cdef int64_t acc = 0, offset = base[i] - start[i]
    for k in range(start[i], start[i + 1]):
        acc += <int64_t>words[k] * u[offset + k]
    return _sat((acc + (1 << 14)) >> 15)


def decode(const int64_t[::1] spikes, const int64_t[::1] start, const int32_t[::1] slot,
           weight, total):
    """Add ``weight[start[i]:start[i + 1]]`` into ``total`` at
    ``slot[start[i]:start[i + 1]]`` for every neuron ``i`` in ``spikes``, in
    that order: int32 words into int64 sums (exact), or float64 into
    float64 (the order a sparse product adds in)."""
    cdef const int32_t[::1] words
    cdef int64_t[::1] sums
    cdef const double[::1] reals
    cdef double[::1] real_sums
    if spikes.shape[0] == 0 or slot.shape[0] == 0:
        return
    if weight.dtype == np.int32:
        words, sums = weight, total
        with nogil:
            _decode(&spikes[0], spikes.shape[0], &start[0], &slot[0], &words[0], &sums[0])
    else:
        reals, real_sums = weight, total
        with nogil:
            _decode_reals(&spikes[0], spikes.shape[0], &start[0], &slot[0], &reals[0],
                          &real_sums[0])


cdef inline void _decode(const int64_t *spikes, Py_ssize_t n, const int64_t *start,
                         const int32_t *slot, const int32_t *weight,
                         int64_t *total) noexcept nogil:
    """:func:`decode` of the ``n`` neurons ``spikes`` (int32 words: half the
    memory traffic of int64, which this loop is bound by)."""
    cdef Py_ssize_t s, k, i
    for s in range(n):
        i = spikes[s]
        for k in range(start[i], start[i + 1]):
            total[slot[k]] += weight[k]


cdef void _decode_reals(const int64_t *spikes, Py_ssize_t n, const int64_t *start,
                        const int32_t *slot, const double *weight,
                        double *total) noexcept nogil:
    """:func:`decode` of the ``n`` neurons ``spikes``, in float64."""
    cdef Py_ssize_t s, k, i
    for s in range(n):
        i = spikes[s]
        for k in range(start[i], start[i + 1]):
            total[slot[k]] += weight[k]


cdef void _tick_part(neuron_loop_t loop, const int64_t *constants, const int32_t *words,
                     Py_ssize_t n_runs, const int64_t *runs, const int32_t *u,
                     const int64_t *bias, const int64_t *extra, int32_t *state,
                     Py_ssize_t stride, int32_t *current, int64_t *spikes,
                     const int64_t *decode_start, const int32_t *slot, const int32_t *weight,
                     int64_t *total, Py_ssize_t lo, Py_ssize_t hi,
                     int64_t *count) noexcept nogil:
    cdef Py_ssize_t s, n
    spinnc_encode_runs(n_runs, runs, runs + n_runs + 1, runs + 2 * n_runs + 1,
                       runs + 3 * n_runs + 1, words, u, bias, extra, current, lo, hi)
    n = loop(constants, current + lo, state + lo, stride, hi - lo, spikes + lo)
    for s in range(lo, lo + n):
        spikes[s] += lo
    if slot != NULL:
        _decode(spikes + lo, n, decode_start, slot, weight, total)
    count[0] = n


def encoder_runs(const int64_t[::1] start, const int64_t[::1] base):
    """The runs :func:`ensemble_tick` encodes in, from each neuron ``i``'s
    encoders ``words[start[i]:start[i + 1]]`` over ``u[base[i]:]``: the
    consecutive neurons of equal inputs and number of encoders, as one array
    of each run's first neuron (and the end), its encoders per neuron, its
    first word and its first input."""
    counts = np.diff(np.asarray(start))
    base_ = np.asarray(base)
    if counts.size == 0:
        return np.zeros(1, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, (np.diff(base_) != 0) | (np.diff(counts) != 0)])
    return np.concatenate([first, [counts.size], counts[first], np.asarray(start)[first],
                           base_[first]]).astype(np.int64)


def ensemble_tick(loop, const int64_t[::1] constants, const int32_t[::1] words,
                  const int64_t[::1] runs, const int32_t[::1] u,
                  const int64_t[::1] bias, const int64_t[::1] extra, int32_t[:, ::1] state,
                  int32_t[::1] current, int64_t[::1] spikes,
                  const int64_t[::1] decode_start, const int32_t[::1] slot,
                  const int32_t[::1] weight, int64_t[:, ::1] totals,
                  const int64_t[::1] parts, int64_t[::1] counts, int threads):
    """One tick of a population of one neuron model (its compiled ``loop``,
    a "spinnc.neuron_loop" capsule, and its packed ``constants``), for the
    neurons ``parts[p] .. parts[p + 1]`` of each part ``p`` on up to
    ``threads`` threads.  ``current[i]`` = sat(:func:`encode` + ``extra[i]``)
    (``extra`` the gain times the neuron inputs, or empty), the neurons'
    input words, encoded run by run (``runs``, :func:`encoder_runs`); ``state`` (variables x neurons, int32 words) is updated in place;
    part ``p``'s spikes, in increasing order, go to ``spikes`` from
    ``parts[p]`` (``counts[p]`` of them) and their decoders are added into
    ``totals[p]``."""
    cdef neuron_loop_t f = <neuron_loop_t>PyCapsule_GetPointer(loop, b"spinnc.neuron_loop")
    cdef Py_ssize_t p, n_parts = parts.shape[0] - 1, n_runs = (runs.shape[0] - 1) // 4
    cdef const int64_t *more = &extra[0] if extra.shape[0] else NULL
    cdef const int32_t *w = &words[0] if words.shape[0] else NULL
    cdef const int32_t *dw = &weight[0] if weight.shape[0] else NULL
    cdef const int32_t *ds = &slot[0] if slot.shape[0] else NULL
    if current.shape[0] == 0:
        return
    for p in prange(n_parts, nogil=True, num_threads=threads, schedule="static", chunksize=1):
        _tick_part(f, &constants[0], w, n_runs, &runs[0], &u[0], &bias[0], more,
                   &state[0, 0], state.shape[1], &current[0], &spikes[0],
                   &decode_start[0], ds, dw, &totals[p, 0], parts[p], parts[p + 1],
                   &counts[p])
