/* An ensemble member's tick (see ensemble.h). */
#include "spinnc_regions.h"

#include "ensemble.h"

/* The header words of a POPULATION region of each model (the generated
 * structs: head, constants, recording periods). */
static uint32_t header_words(uint32_t model)
{
    switch (model) {
    case NEURON_MODEL_LIF:
        return sizeof(population_lif_header_t) / 4;
    case NEURON_MODEL_ADAPTIVELIF:
        return sizeof(population_adaptivelif_header_t) / 4;
    case NEURON_MODEL_SPIKINGRECTIFIEDLINEAR:
        return sizeof(population_spikingrectifiedlinear_header_t) / 4;
    case NEURON_MODEL_IZHIKEVICH:
        return sizeof(population_izhikevich_header_t) / 4;
    case NEURON_MODEL_REGULARSPIKING:
        return sizeof(population_regularspiking_header_t) / 4;
    default:
        return 0;
    }
}

int32_t spinnc_population_view(void *region, uint32_t length, spinnc_population_t *pop)
{
    uint32_t *words = (uint32_t *)region;
    uint32_t head, n, state_words;
    uint64_t total;
    if (length < 20) {
        return -2;
    }
    head = header_words(words[0]);
    state_words = spinnc_neuron_state_words(words[0]);
    if (head == 0 || state_words == 0) {
        return -1;
    }
    n = words[1];
    /* header, encoders, bias, gain, state, decoders and probe decoders
     * (64-bit: no overflow) */
    total = (uint64_t)head + (uint64_t)n * words[2] + 2u * (uint64_t)n
            + (uint64_t)state_words * n + ((uint64_t)words[3] + words[4]) * n;
    if (length < 4u * (uint64_t)head || total * 4u != length) {
        return -2;
    }
    pop->model = words[0];
    pop->n_neurons = n;
    pop->input_dims = words[2];
    pop->output_dims = words[3];
    pop->probe_dims = words[4];
    pop->constants = words + 5;
    pop->encoders = (const int32_t *)(words + head);
    pop->bias = pop->encoders + (size_t)n * pop->input_dims;
    pop->gain = pop->bias + n;
    pop->state = (int32_t *)(words + head + (size_t)n * pop->input_dims + 2u * (size_t)n);
    pop->decoders = pop->state + (size_t)state_words * n;
    return 0;
}

static inline int64_t encode_one(const spinnc_population_t *pop, const int32_t *u, uint32_t i)
{
    return (int64_t)spinnc_dot(pop->encoders + (size_t)i * pop->input_dims, u, 1,
                               pop->input_dims, SPINNC_S16_15_FRAC)
           + pop->bias[i];
}

void spinnc_encode(const spinnc_population_t *pop, const int32_t *u, int64_t *current)
{
    uint32_t i;
    for (i = 0; i < pop->n_neurons; i++) {
        current[i] = encode_one(pop, u, i);
    }
}

void spinnc_neuron_input(int64_t *summed, int32_t y, const uint32_t *neurons, uint32_t count)
{
    uint32_t k;
    for (k = 0; k < count; k++) {
        summed[neurons[k]] += y;
    }
}

void spinnc_currents(const spinnc_population_t *pop, const int32_t *u, const int64_t *summed,
                     int32_t *current)
{
    uint32_t i;
    for (i = 0; i < pop->n_neurons; i++) {
        int64_t j = encode_one(pop, u, i);
        if (summed != NULL) {
            /* the neuron's inputs summed exactly, then scaled by its gain once */
            j += spinnc_mul15(spinnc_sat(summed[i]), pop->gain[i]);
        }
        current[i] = spinnc_sat(j);
    }
}

void spinnc_decode(const spinnc_population_t *pop, const uint32_t *spikes, uint32_t n_spikes,
                   int32_t *payloads)
{
    uint32_t d, s;
    for (d = 0; d < pop->output_dims + pop->probe_dims; d++) {
        const int32_t *row = pop->decoders + (size_t)d * pop->n_neurons;
        int64_t total = 0;
        for (s = 0; s < n_spikes; s++) {
            total += row[spikes[s]];
        }
        payloads[d] = spinnc_sat(total);
    }
}

int32_t spinnc_ensemble_step(spinnc_population_t *pop, const int32_t *u, const int64_t *summed,
                             int32_t *current, uint32_t *spikes, int32_t *payloads)
{
    int32_t count;
    spinnc_currents(pop, u, summed, current);
    count = spinnc_neuron_step(pop->model, pop->constants, pop->n_neurons, current, pop->state,
                               spikes);
    if (count < 0) {
        return count;
    }
    spinnc_decode(pop, spikes, (uint32_t)count, payloads);
    return count;
}
