/* nengo.RegularSpiking's fixed-point step (spinnc.neurons.regular_spiking.rs_step):
 * the base type's rate per tick p (s1.30) interpolated in a table whose knots
 * are spaced by octaves of x = J - threshold, then SpikingRectifiedLinear's
 * integrate-and-spike (at most one spike a tick):
 *
 *     x = max(J - threshold, 0)
 *     k = the leading bit of x;  e = max(k - B, 0)      (B = SPINNC_RS_TABLE_BITS)
 *     i = (e << B) + (x >> e);   f = x & (2**e - 1)
 *     p = table[i] + (((table[i + 1] - table[i]) * f + (2**e >> 1)) >> e)
 *     v = saturate(v + ((p + 2**14) >> 15));  spike when v >= 1
 *     v = v & (2**15 - 1)   (every neuron: v - floor(v), either sign)
 *
 * For x = 0 the formula gives table[0] (0 as quantised), as the Python step.
 * No division; the leading bit is one CLZ instruction on ARMv5TE.
 */
#include "../fixed.h"
#include "neurons.h"

/* The index of the leading set bit of x > 0. */
static inline uint32_t leading_bit(uint32_t x)
{
#if defined(__GNUC__)
    return 31u - (uint32_t)__builtin_clz(x);
#else
    uint32_t k = 0;
    while (x >>= 1) {
        k++;
    }
    return k;
#endif
}

uint32_t spinnc_regular_spiking_step(const spinnc_regular_spiking_constants_t *c, uint32_t n,
                                     const int32_t *current, int32_t *voltage,
                                     uint32_t *spikes)
{
    uint32_t i, count = 0;
    for (i = 0; i < n; i++) {
        int64_t x = (int64_t)current[i] - c->threshold;
        int64_t p;
        int32_t v;
        if (x <= 0) {
            p = c->rate[0];
        } else {
            uint32_t k, e, index, frac;
            int64_t low;
            /* Beyond 2**31 - 1 only with a negative threshold (never stored:
             * 0 or 1), where the Python step would index past its table. */
            if (x > SPINNC_INT32_MAX) {
                x = SPINNC_INT32_MAX;
            }
            k = leading_bit((uint32_t)x);
            e = k > SPINNC_RS_TABLE_BITS ? k - SPINNC_RS_TABLE_BITS : 0;
            index = (e << SPINNC_RS_TABLE_BITS) + ((uint32_t)x >> e);
            frac = (uint32_t)x & (((uint32_t)1 << e) - 1u);
            low = c->rate[index];
            p = low + (((c->rate[index + 1] - low) * (int64_t)frac
                        + (((int64_t)1 << e) >> 1)) >> e);
        }
        v = spinnc_sat((int64_t)voltage[i] + ((p + ((int64_t)1 << 14)) >> 15));
        if (v >= SPINNC_ONE_15) {
            spikes[count++] = i;
        }
        voltage[i] = (int32_t)((uint32_t)v & (uint32_t)(SPINNC_ONE_15 - 1));
    }
    return count;
}
