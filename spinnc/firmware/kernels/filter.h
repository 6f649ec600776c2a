/* Synaptic filters of any order and member inputs, bit-exact with
 * spinnc.firmware_sim.kernels.FilterBank and MemberInputs.
 *
 * A receiving core (ensemble, host output) adds every payload that arrives
 * for a filter dimension into an exact int64 accumulator x (packets of tick
 * t - 1 are used in tick t).  Once per tick each dimension of a filter of
 * order n runs its transposed direct form (spinnc/fixed.py, "Synaptic
 * filters"), with v = sat(x), y last tick's output and every product
 * rounded once in the filter's coefficient format (frac fractional bits):
 *
 *     y'   = sat(mul(v, g0) + mul(y, p1) + s1)
 *     s_k' = sat(mul(v, g_k) + mul(y, p_k+1) + s_k+1)       k = 1 .. n-1, s_n = 0
 *
 * The FILTERS region holds, per filter, its order, frac (30: s1.30; 29, 28,
 * 27 for higher orders whose coefficients need the range) and its 2n
 * coefficient words g0 .. g_n-1, p1 .. pn.  A Lowpass is n = 1, p1 = a =
 * exp(-dt / tau), g0 = b = 1 - a in s1.30: y = a y + b x; synapse=None is
 * a = 0, b = 1.  A member's input is the saturated exact sum of its value
 * filters' outputs, dimension by dimension (a neuron-input filter is one
 * dimension; see ensemble.h).
 */
#ifndef SPINNC_KERNELS_FILTER_H
#define SPINNC_KERNELS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "fixed.h"

/* Add one received payload into filter dimension x[index] (exact). */
static inline void spinnc_filter_accumulate(int64_t *x, size_t index, int32_t payload)
{
    x[index] += payload;
}

/* One tick of one filter of dims dimensions, of order n with coefficients c
 * (2n words: g0 .. g_n-1, then p1 .. pn) of frac fractional bits: reads the
 * accumulated inputs x[0..dims), updates the outputs y (s16.15) and the
 * partial sums s (n - 1 words a dimension, dimension by dimension) and
 * consumes x (sets it to 0, ready for the next tick's packets). */
void spinnc_filter_step(const int32_t *c, uint32_t order, uint32_t frac, int64_t *x,
                        int32_t *y, int32_t *s, size_t dims);

/* Member inputs, step by step: acc starts at 0 (spinnc_member_clear), each
 * value filter of the member adds its dims outputs (spinnc_member_add), and
 * spinnc_member_finish saturates the exact sums into the member's input u. */
void spinnc_member_clear(int64_t *acc, size_t dims);
void spinnc_member_add(int64_t *acc, const int32_t *y, size_t dims);
void spinnc_member_finish(const int64_t *acc, int32_t *u, size_t dims);

/* MemberInputs.sum over flat arrays: u[t] = sat(sum of y[source[i]] over the
 * pairs i with target[i] == t), for t in [0, size); acc is size words of
 * scratch. */
void spinnc_member_inputs(const int32_t *y, const uint32_t *source, const uint32_t *target,
                          size_t n_pairs, int64_t *acc, int32_t *u, size_t size);

#endif /* SPINNC_KERNELS_FILTER_H */
