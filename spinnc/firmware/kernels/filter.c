/* First-order filters and member inputs (see filter.h). */
#include "filter.h"

static inline int32_t filter_one(int32_t a, int32_t b, int64_t x, int32_t y)
{
    /* The accumulator is an s16.15 word first; the two products are rounded
     * separately (fixed.mul each), their sum saturated. */
    return spinnc_sat((int64_t)spinnc_mul30(y, a) + spinnc_mul30(spinnc_sat(x), b));
}

void spinnc_filter_step(int32_t a, int32_t b, int64_t *x, int32_t *y, size_t dims)
{
    size_t d;
    for (d = 0; d < dims; d++) {
        y[d] = filter_one(a, b, x[d], y[d]);
        x[d] = 0;
    }
}

void spinnc_filter_bank_step(const int32_t *a, const int32_t *b, int64_t *x, int32_t *y,
                             size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        y[i] = filter_one(a[i], b[i], x[i], y[i]);
        x[i] = 0;
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
