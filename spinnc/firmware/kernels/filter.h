/* First-order synaptic filters and member inputs, bit-exact with
 * spinnc.firmware_sim.kernels.FilterBank and MemberInputs.
 *
 * A receiving core (ensemble, recorder, host output) adds every payload that
 * arrives for a filter dimension into an exact int64 accumulator x (packets
 * of tick t - 1 are used in tick t).  Once per tick each dimension updates
 *
 *     y = sat(mul30(y, a) + mul30(sat(x), b))
 *
 * with the filter's s1.30 coefficients a = exp(-dt / tau), b = 1 - a (FILTERS
 * region, filter_t.a / .b; synapse=None is a = 0, b = 1).  A member's input is
 * the saturated exact sum of its value filters' outputs, dimension by
 * dimension (a neuron-input filter is one dimension; see ensemble.h).
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

/* One tick of one filter of dims dimensions with coefficients a, b (s1.30):
 * reads the accumulated inputs x[0..dims), updates the outputs y (s16.15) and
 * consumes x (sets it to 0, ready for the next tick's packets). */
void spinnc_filter_step(int32_t a, int32_t b, int64_t *x, int32_t *y, size_t dims);

/* FilterBank.step over n dimensions with per-dimension coefficients a[i], b[i];
 * consumes x as spinnc_filter_step. */
void spinnc_filter_bank_step(const int32_t *a, const int32_t *b, int64_t *x, int32_t *y,
                             size_t n);

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
