/* spinnc_neuron_step: a model's step by its POPULATION code (see neurons.h). */
#include "spinnc_regions.h"

#include "neurons.h"

int32_t spinnc_neuron_step(uint32_t model, const void *constants, uint32_t n,
                           const int32_t *current, int32_t *state, uint32_t *spikes)
{
    switch (model) {
    case NEURON_MODEL_LIF:
        return (int32_t)spinnc_lif_step((const spinnc_lif_constants_t *)constants, n, current,
                                        state, state + n, spikes);
    case NEURON_MODEL_ADAPTIVELIF:
        return (int32_t)spinnc_adaptive_lif_step(
            (const spinnc_adaptive_lif_constants_t *)constants, n, current, state, state + n,
            state + 2 * (size_t)n, spikes);
    case NEURON_MODEL_SPIKINGRECTIFIEDLINEAR:
        return (int32_t)spinnc_spiking_relu_step(
            (const spinnc_spiking_relu_constants_t *)constants, n, current, state, spikes);
    case NEURON_MODEL_IZHIKEVICH:
        return (int32_t)spinnc_izhikevich_step((const spinnc_izhikevich_constants_t *)constants,
                                               n, current, state, state + n, spikes);
    case NEURON_MODEL_REGULARSPIKING:
        return (int32_t)spinnc_regular_spiking_step(
            (const spinnc_regular_spiking_constants_t *)constants, n, current, state, spikes);
    default:
        return -1;
    }
}

uint32_t spinnc_neuron_state_words(uint32_t model)
{
    switch (model) {
    case NEURON_MODEL_LIF:
        return 2;
    case NEURON_MODEL_ADAPTIVELIF:
        return 3;
    case NEURON_MODEL_SPIKINGRECTIFIEDLINEAR:
        return 1;
    case NEURON_MODEL_IZHIKEVICH:
        return 2;
    case NEURON_MODEL_REGULARSPIKING:
        return 1;
    default:
        return 0;
    }
}
