/* Filters of any order and member inputs (see filter.h). */
#include "filter.h"

/* The filter's loop; inlined twice into spinnc_filter_step, so that s1.30's
 * shift is a constant (fewer cycles for the usual format). */
static inline __attribute__((always_inline)) void filter_dims(
    const int32_t *g, const int32_t *p, uint32_t order, unsigned frac, int64_t *x,
    int32_t *y, int32_t *s, size_t dims)
{
    size_t d;
    uint32_t k, rest = order - 1;
    for (d = 0; d < dims; d++) {
        /* The accumulator is an s16.15 word first; each product is rounded
         * (fixed.mul), each sum saturated. */
        int32_t v = spinnc_sat(x[d]), last = y[d];
        int32_t *sd = s + d * rest;
        int64_t acc = (int64_t)spinnc_mul(v, g[0], frac) + spinnc_mul(last, p[0], frac);
        if (rest) {
            acc += sd[0];
        }
        /* s_k from s_k+1 before s_k+1 changes, all from last tick's output */
        for (k = 1; k < order; k++) {
            int64_t next = k < rest ? sd[k] : 0;
            sd[k - 1] = spinnc_sat((int64_t)spinnc_mul(v, g[k], frac)
                                   + spinnc_mul(last, p[k], frac) + next);
        }
        y[d] = spinnc_sat(acc);
        x[d] = 0;
    }
}

void spinnc_filter_step(const int32_t *c, uint32_t order, uint32_t frac, int64_t *x,
                        int32_t *y, int32_t *s, size_t dims)
{
    const int32_t *g = c, *p = c + order;
    if (frac == 30) {  /* s1.30: every Lowpass, most second-order filters */
        filter_dims(g, p, order, 30, x, y, s, dims);
    } else {
        filter_dims(g, p, order, frac, x, y, s, dims);
    }
}

void spinnc_member_clear(int64_t *acc, size_t dims)
{
    size_t d;
    for (d = 0; d < dims; d++) {
        acc[d] = 0;
    }
}

void spinnc_member_add(int64_t *acc, const int32_t *y, size_t dims)
{
    size_t d;
    for (d = 0; d < dims; d++) {
        acc[d] += y[d];
    }
}

void spinnc_member_finish(const int64_t *acc, int32_t *u, size_t dims)
{
    size_t d;
    for (d = 0; d < dims; d++) {
        u[d] = spinnc_sat(acc[d]);
    }
}

void spinnc_member_inputs(const int32_t *y, const uint32_t *source, const uint32_t *target,
                          size_t n_pairs, int64_t *acc, int32_t *u, size_t size)
{
    size_t i;
    spinnc_member_clear(acc, size);
    for (i = 0; i < n_pairs; i++) {
        acc[target[i]] += y[source[i]];
    }
    spinnc_member_finish(acc, u, size);
}
