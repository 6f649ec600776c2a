/* nengo.AdaptiveLIF's fixed-point step (spinnc.neurons.adaptive_lif.alif_step):
 *
 *     spiked = LIF update with saturate(J - n)
 *     n = saturate(n - mul30(n, dt / tau_n) + (spiked ? jump : 0))
 */
#include "lif_neuron.h"

uint32_t spinnc_adaptive_lif_step(const spinnc_adaptive_lif_constants_t *c, uint32_t n,
                                  const int32_t *current, int32_t *voltage,
                                  int32_t *refractory, int32_t *adaptation, uint32_t *spikes)
{
    uint32_t i, count = 0;
    for (i = 0; i < n; i++) {
        int32_t a = adaptation[i];
        int64_t next = (int64_t)a - spinnc_mul30(a, c->dt_over_tau_n);
        if (spinnc_lif_neuron(&c->lif, spinnc_sat((int64_t)current[i] - a), &voltage[i],
                              &refractory[i])) {
            next += c->jump;
            spikes[count++] = i;
        }
        adaptation[i] = spinnc_sat(next);
    }
    return count;
}
