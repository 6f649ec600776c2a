/* nengo.Izhikevich's fixed-point step (spinnc.neurons.izhikevich.izh_step):
 *
 *     J = max(J, floor)
 *     v = saturate(v + mul30(saturate(mul30(mul15(v, v), square) + 5 v + 140
 *                                     - u + J), h))
 *     spiked = v >= 30;  v = reset_voltage where spiked
 *     u = saturate(u + mul30(saturate(mul30(v, coupling) - u), rate)
 *                  + (spiked ? reset_recovery : 0))
 *
 * The sums are exact in int64 and saturated once, as the numpy step.
 */
#include "../fixed.h"
#include "neurons.h"

uint32_t spinnc_izhikevich_step(const spinnc_izhikevich_constants_t *c, uint32_t n,
                                const int32_t *current, int32_t *voltage, int32_t *recovery,
                                uint32_t *spikes)
{
    uint32_t i, count = 0;
    for (i = 0; i < n; i++) {
        int32_t j = current[i] > c->floor ? current[i] : c->floor;
        int32_t v = voltage[i], u = recovery[i];
        int64_t drive = (int64_t)spinnc_mul30(spinnc_mul15(v, v), c->square) + 5 * (int64_t)v
                        + 140 * (int64_t)SPINNC_ONE_15 - u + j;
        int64_t next_u;
        v = spinnc_sat((int64_t)v + spinnc_mul30(spinnc_sat(drive), c->h));
        if (v >= 30 * SPINNC_ONE_15) {
            v = c->reset_voltage;
            next_u = c->reset_recovery;
            spikes[count++] = i;
        } else {
            next_u = 0;
        }
        next_u += (int64_t)u + spinnc_mul30(spinnc_sat((int64_t)spinnc_mul30(v, c->coupling) - u),
                                            c->rate);
        voltage[i] = v;
        recovery[i] = spinnc_sat(next_u);
    }
    return count;
}
