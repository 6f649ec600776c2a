/* spinnc.fixed's operations the applications use, exactly (spinnc/fixed.py):
 * a product is the exact int64 product plus half an output unit, shifted
 * right arithmetically, saturated to int32; a dot product accumulates exact
 * int64 products and rounds once.  (Until the shared kernels' fixed.h lands
 * in spinnc/firmware/kernels.) */
#ifndef SPINNC_APPS_ARITH_H
#define SPINNC_APPS_ARITH_H

#include <stdint.h>

static inline int32_t sat32(int64_t x) {
    if (x > INT32_MAX) return INT32_MAX;
    if (x < INT32_MIN) return INT32_MIN;
    return (int32_t) x;
}

/* a * b with b in a format of `frac` fractional bits; the result in a's. */
static inline int32_t mul_frac(int32_t a, int32_t b, uint32_t frac) {
    return sat32(((int64_t) a * b + (1LL << (frac - 1))) >> frac);
}

/* A dot product's int64 accumulator, rounded once into a's format. */
static inline int32_t round_acc(int64_t acc, uint32_t frac) {
    return sat32((acc + (1LL << (frac - 1))) >> frac);
}

#define S16_15_FRAC 15
#define S1_30_FRAC 30

#endif
