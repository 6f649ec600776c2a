/* spinnc's fixed-point contract in C: spinnc/fixed.py's formats and operations,
 * bit for bit.
 *
 * Portable C99 for the ARM968E-S (and the host, for the native tests): no
 * floating point, no libc beyond <stdint.h>/<stddef.h>, no 64-bit division
 * (ARMv5TE has no divider; spinnc_div is a shift-and-subtract loop).
 *
 * Formats (raw int32 words with an implied binary point):
 *   s16.15  values, parameters, payloads, currents, voltages (15 fractional bits)
 *   s1.30   coefficients in [-2, 2): filter and decay factors, dt (30 bits)
 *
 * Operations, as fixed.py:
 *   spinnc_sat      int64 -> int32, clipped
 *   spinnc_mul      exact int64 product, + half a unit, arithmetic shift right
 *                   by the second operand's fractional bits, saturated
 *   spinnc_round    an exact int64 accumulator, + half, >> frac, saturated
 *   spinnc_dot      exact int64 sum of products, rounded once
 *   spinnc_div      a / b in a format, rounded to nearest (halves up), saturated
 *
 * Right shifts of negative signed values: C99 leaves them implementation-
 * defined; gcc (every target, including arm-none-eabi) defines them as
 * arithmetic (sign-extending) shifts, which fixed.py requires (numpy's >> on
 * int64 is arithmetic: round to nearest, halves towards +infinity).  The
 * typedef below fails to compile on a compiler that does otherwise.
 * Conversions of out-of-range int64 to int32 (only where fixed.py's Cython
 * loops make the same cast) wrap modulo 2**32 in gcc.
 */
#ifndef SPINNC_KERNELS_FIXED_H
#define SPINNC_KERNELS_FIXED_H

#include <stddef.h>
#include <stdint.h>

#define SPINNC_S16_15_FRAC 15
#define SPINNC_S1_30_FRAC 30
#define SPINNC_ONE_15 ((int32_t)1 << 15) /* 1.0 in s16.15 */
#define SPINNC_ONE_30 ((int32_t)1 << 30) /* 1.0 in s1.30 */
#define SPINNC_INT32_MIN (-2147483647 - 1)
#define SPINNC_INT32_MAX 2147483647

/* Terms of fixed.py's series (MAX_SERIES_TERMS) and 1/n in s1.30 for n = 1..256
 * (fixed._INVERSE, rounded half up; the native tests compare the tables). */
#define SPINNC_MAX_SERIES_TERMS 256
extern const int32_t spinnc_inverse[SPINNC_MAX_SERIES_TERMS];

/* Compile-time check that >> of a negative value is arithmetic (see above). */
typedef char spinnc_arithmetic_shift_check[((-3LL >> 1) == -2LL && (-1 >> 1) == -1) ? 1 : -1];

/* fixed.saturate: clip to the int32 range. */
static inline int32_t spinnc_sat(int64_t x)
{
    if (x < SPINNC_INT32_MIN) {
        return SPINNC_INT32_MIN;
    }
    if (x > SPINNC_INT32_MAX) {
        return SPINNC_INT32_MAX;
    }
    return (int32_t)x;
}

/* The rounding of fixed.mul and fixed.dot: an exact accumulator plus half a
 * unit of the result, shifted right arithmetically by frac (1..31), saturated.
 * The caller keeps acc + half within int64 (fixed.dot_fits). */
static inline int32_t spinnc_round(int64_t acc, unsigned frac)
{
    return spinnc_sat((acc + ((int64_t)1 << (frac - 1))) >> frac);
}

/* fixed.mul(a, b, fmt): a * b with b having frac fractional bits; the result
 * is in a's format.  Any two int32 operands: |a * b| <= 2**62, so the product
 * plus half cannot overflow int64. */
static inline int32_t spinnc_mul(int32_t a, int32_t b, unsigned frac)
{
    return spinnc_round((int64_t)a * b, frac);
}

/* fixed.mul with b in s16.15 / in s1.30. */
static inline int32_t spinnc_mul15(int32_t a, int32_t b)
{
    return spinnc_round((int64_t)a * b, SPINNC_S16_15_FRAC);
}

static inline int32_t spinnc_mul30(int32_t a, int32_t b)
{
    return spinnc_round((int64_t)a * b, SPINNC_S1_30_FRAC);
}

/* fixed.dot for one row: sum of a[i] * b[i * b_stride] over n terms, exact in
 * int64, rounded once (b has frac fractional bits).  The caller has proven
 * fixed.dot_fits for the operands (int64 must not overflow). */
static inline int32_t spinnc_dot(const int32_t *a, const int32_t *b, size_t b_stride, size_t n,
                                 unsigned frac)
{
    int64_t acc = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        acc += (int64_t)a[i] * b[i * b_stride];
    }
    return spinnc_round(acc, frac);
}

/* fixed.div(a, b, fmt): a / b (a and b in one common format) in the format of
 * frac fractional bits (0..30), rounded to nearest (halves up: floor(n / b +
 * 1/2)), saturated; b == 0 saturates by the sign of a.  No hardware or libgcc
 * division: a 64-step shift-and-subtract loop (fixed.c). */
int32_t spinnc_div(int32_t a, int32_t b, unsigned frac);

/* floor(n / d) for 0 <= n, 0 < d: unsigned restoring division, 64 steps. */
uint64_t spinnc_udiv64(uint64_t n, uint64_t d);

/* fixed.one_minus_exp_neg(x, terms): 1 - exp(-x) in s1.30 for x >= 0 (s1.30),
 * Horner's rule on x (1 - x/2 (1 - x/3 (1 - ...))) with terms terms (at most
 * SPINNC_MAX_SERIES_TERMS; more are taken as that many). */
int32_t spinnc_one_minus_exp_neg(int32_t x, unsigned terms);

/* fixed.neg_log1m(r, terms): -ln(1 - r) = r + r**2/2 + ... in s1.30, each
 * power and term a saturating spinnc_mul30, the sum exact and saturated once. */
int32_t spinnc_neg_log1m(int32_t r, unsigned terms);

#endif /* SPINNC_KERNELS_FIXED_H */
