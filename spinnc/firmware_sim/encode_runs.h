/* The ensembles' input currents for the emulator's compiled tick
 * (spinnc/firmware_sim/_kernels.pyx): a neuron's encoders times its member's
 * inputs, exact, rounded once (+ half, >> 15) and saturated, plus its bias
 * and what its neuron inputs add, saturated.  The neurons go in runs that
 * share their inputs and their number of encoders (a member's neurons), so
 * the compiler vectorises each run with its inputs held in registers. */
#ifndef SPINNC_ENCODE_RUNS_H
#define SPINNC_ENCODE_RUNS_H

#include <stddef.h>
#include "native.h"

/* current[i] for the neurons lo..hi-1 of a run whose neurons have ``dims``
 * encoders each, from words[0], over inputs u[0..dims-1]; ``extra`` may be NULL. */
static inline __attribute__((always_inline)) void spinnc_encode_run(
        int dims, const int32_t *restrict words, const int32_t *restrict u,
        const int64_t *restrict bias, const int64_t *restrict extra,
        int32_t *restrict current, ptrdiff_t lo, ptrdiff_t hi) {
    for (ptrdiff_t i = lo; i < hi; i++) {
        const int32_t *w = words + (i - lo) * dims;
        int64_t acc = 0;
        for (int d = 0; d < dims; d++)
            acc += (int64_t)w[d] * u[d];
        int64_t j = spinnc_sat((acc + (1 << 14)) >> 15) + bias[i];
        if (extra)
            j += extra[i];
        current[i] = (int32_t)spinnc_sat(j);
    }
}

/* Run r is the neurons run_start[r] .. run_start[r + 1] - 1, ``run_dims[r]``
 * encoders each from words[run_word[r]], over u[run_input[r]..]: this fills
 * current[] for the neurons lo..hi-1 (any span; a run may straddle it). */
SPINNC_CLONES
static void spinnc_encode_runs(ptrdiff_t n_runs, const int64_t *restrict run_start,
                               const int64_t *restrict run_dims,
                               const int64_t *restrict run_word,
                               const int64_t *restrict run_input,
                               const int32_t *restrict words, const int32_t *restrict u,
                               const int64_t *restrict bias, const int64_t *restrict extra,
                               int32_t *restrict current, ptrdiff_t lo, ptrdiff_t hi) {
    for (ptrdiff_t r = 0; r < n_runs; r++) {
        ptrdiff_t a = run_start[r] > lo ? run_start[r] : lo;
        ptrdiff_t b = run_start[r + 1] < hi ? run_start[r + 1] : hi;
        if (a >= b)
            continue;
        int dims = (int)run_dims[r];
        const int32_t *w = words + run_word[r] + (a - run_start[r]) * dims;
        const int32_t *in = u + run_input[r];
        /* a constant ``dims`` for the usual widths, so each is unrolled */
        switch (dims) {
        case 1: spinnc_encode_run(1, w, in, bias, extra, current, a, b); break;
        case 2: spinnc_encode_run(2, w, in, bias, extra, current, a, b); break;
        case 3: spinnc_encode_run(3, w, in, bias, extra, current, a, b); break;
        case 4: spinnc_encode_run(4, w, in, bias, extra, current, a, b); break;
        default: spinnc_encode_run(dims, w, in, bias, extra, current, a, b);
        }
    }
}

#endif
