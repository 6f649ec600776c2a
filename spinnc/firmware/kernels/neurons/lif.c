/* nengo.LIF's fixed-point step (spinnc.neurons.lif.lif_update); the scheme is
 * documented in spinnc/fixed.py ("LIF neurons"). */
#include "lif_neuron.h"

uint32_t spinnc_lif_step(const spinnc_lif_constants_t *c, uint32_t n, const int32_t *current,
                         int32_t *voltage, int32_t *refractory, uint32_t *spikes)
{
    uint32_t i, count = 0;
    for (i = 0; i < n; i++) {
        if (spinnc_lif_neuron(c, current[i], &voltage[i], &refractory[i])) {
            spikes[count++] = i;
        }
    }
    return count;
}
