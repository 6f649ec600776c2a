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

from cpython.pycapsule cimport PyCapsule_GetPointer
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t

# A neuron model's compiled loop (spinnc/neurons/_lif.pyx declares it alike).
ctypedef Py_ssize_t (*neuron_loop_t)(const int64_t *, const int64_t *, int64_t *, Py_ssize_t,
                                     Py_ssize_t, int64_t *) noexcept nogil

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
    if out.shape[0]:
        with nogil:
            _encode(&words[0] if words.shape[0] else NULL, &start[0], &base[0], &u[0],
                    &bias[0], NULL, &out[0], NULL, 0, out.shape[0])


cdef void _encode(const int32_t *words, const int64_t *start, const int64_t *base,
                  const int32_t *u, const int64_t *bias, const int64_t *extra, int64_t *out,
                  int32_t *recorded, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    """:func:`encode` for neurons ``lo .. hi``; with ``recorded``, the
    whole current: plus ``extra`` (if any), saturated, also written there."""
    cdef Py_ssize_t i, k
    cdef int64_t acc, offset, j
    for i in range(lo, hi):
        acc = 0
        offset = base[i] - start[i]
        for k in range(start[i], start[i + 1]):
            acc += <int64_t>words[k] * u[offset + k]
        j = _sat((acc + (1 << 14)) >> 15) + bias[i]
        if recorded != NULL:
            if extra != NULL:
                j += extra[i]
            j = _sat(j)
            recorded[i] = <int32_t>j
        out[i] = j


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


cdef void _tick_part(neuron_loop_t loop, const int64_t *constants, const int32_t *words,
                     const int64_t *start, const int64_t *base, const int32_t *u,
                     const int64_t *bias, const int64_t *extra, int64_t *state,
                     Py_ssize_t stride, int64_t *current, int32_t *recorded, int64_t *spikes,
                     const int64_t *decode_start, const int64_t *slot, const int64_t *weight,
                     int64_t *total, Py_ssize_t lo, Py_ssize_t hi,
                     int64_t *count) noexcept nogil:
    cdef Py_ssize_t i, s, k, n
    _encode(words, start, base, u, bias, extra, current, recorded, lo, hi)
    n = loop(constants, current + lo, state + lo, stride, hi - lo, spikes + lo)
    for s in range(lo, lo + n):
        spikes[s] += lo
        i = spikes[s]
        for k in range(decode_start[i], decode_start[i + 1]):
            total[slot[k]] += weight[k]
    count[0] = n


def ensemble_tick(loop, const int64_t[::1] constants, const int32_t[::1] words,
                  const int64_t[::1] start, const int64_t[::1] base, const int32_t[::1] u,
                  const int64_t[::1] bias, const int64_t[::1] extra, int64_t[:, ::1] state,
                  int64_t[::1] current, int32_t[::1] recorded, int64_t[::1] spikes,
                  const int64_t[::1] decode_start, const int64_t[::1] slot,
                  const int64_t[::1] weight, int64_t[:, ::1] totals,
                  const int64_t[::1] parts, int64_t[::1] counts, int threads):
    """One tick of a population of one neuron model (its compiled ``loop``,
    a "spinnc.neuron_loop" capsule, and its packed ``constants``), for the
    neurons ``parts[p] .. parts[p + 1]`` of each part ``p`` on up to
    ``threads`` threads.  ``current[i]`` = sat(:func:`encode` + ``extra[i]``)
    (``extra`` the gain times the neuron inputs, or empty), also written as
    words to ``recorded``; ``state`` (variables x neurons) is updated in place;
    part ``p``'s spikes, in increasing order, go to ``spikes`` from
    ``parts[p]`` (``counts[p]`` of them) and their decoders are added into
    ``totals[p]``."""
    cdef neuron_loop_t f = <neuron_loop_t>PyCapsule_GetPointer(loop, b"spinnc.neuron_loop")
    cdef Py_ssize_t p, n_parts = parts.shape[0] - 1
    cdef const int64_t *more = &extra[0] if extra.shape[0] else NULL
    cdef const int32_t *w = &words[0] if words.shape[0] else NULL
    cdef const int64_t *dw = &weight[0] if weight.shape[0] else NULL
    cdef const int64_t *ds = &slot[0] if slot.shape[0] else NULL
    if current.shape[0] == 0:
        return
    for p in prange(n_parts, nogil=True, num_threads=threads, schedule="static", chunksize=1):
        _tick_part(f, &constants[0], w, &start[0], &base[0], &u[0], &bias[0], more,
                   &state[0, 0], state.shape[1], &current[0], &recorded[0], &spikes[0],
                   &decode_start[0], ds, dw, &totals[p, 0], parts[p], parts[p + 1],
                   &counts[p])
