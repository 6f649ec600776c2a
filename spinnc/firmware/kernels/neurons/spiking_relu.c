/* nengo.SpikingRectifiedLinear's fixed-point step
 * (spinnc.neurons.spiking_relu.relu_step): at most one spike a tick,
 *
 *     v = saturate(v + mul30(max(J, 0), dt));  spike when v >= 1, dropping
 *     the whole units (v &= 1 - 2**-15; v >= 0 there, so this is floor).
 */
#include "../fixed.h"
#include "neurons.h"

uint32_t spinnc_spiking_relu_step(const spinnc_spiking_relu_constants_t *c, uint32_t n,
                                  const int32_t *current, int32_t *voltage, uint32_t *spikes)
{
    uint32_t i, count = 0;
    for (i = 0; i < n; i++) {
        int32_t j = current[i] > 0 ? current[i] : 0;
        int32_t v = spinnc_sat((int64_t)voltage[i] + spinnc_mul30(j, c->dt));
        if (v >= SPINNC_ONE_15) {
            v &= SPINNC_ONE_15 - 1;
            spikes[count++] = i;
        }
        voltage[i] = v;
    }
    return count;
}
