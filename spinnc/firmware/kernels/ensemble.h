/* An ensemble member's tick: encode, neuron inputs, the neuron model's step,
 * decode; bit-exact with spinnc.firmware_sim.kernels.EnsembleKernel (and
 * _kernels.pyx's encode and decode).
 *
 * Per member per tick (u: the member's input, filter.h's member sums; y_f:
 * the one-dimension output of each neuron-input filter f):
 *
 *     J_i = sat(round_once(encoders_i . u) + bias_i
 *               + mul15(sat(sum of y_f over the neuron inputs reaching i), gain_i))
 *     spikes = the model's step (neurons/neurons.h) with J
 *     payload_d = sat(exact sum of decoders[d][i] over the neurons i that spiked)
 *
 * for the output_dims rows it sends and the probe_dims rows after them that
 * it only records (its value probes' decoded values).
 *
 * where round_once is fixed.dot's rounding (exact int64 products, + 2**14,
 * >> 15, saturated) and the decoders are per spike (fixed.py "Decoders").
 * The caller has proven fixed.dot_fits for the encoders and inputs (the
 * compiler's quantisation does), so the int64 sums cannot overflow.
 */
#ifndef SPINNC_KERNELS_ENSEMBLE_H
#define SPINNC_KERNELS_ENSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "fixed.h"
#include "neurons/neurons.h"

/* A member's POPULATION region, as pointers into it (spinnc_population_view). */
typedef struct {
    uint32_t model;           /* the neuron model's code */
    uint32_t n_neurons;
    uint32_t input_dims;
    uint32_t output_dims;     /* rows sent, one packet each */
    const void *constants;    /* the model's constants (a neurons.h struct) */
    const int32_t *encoders;  /* [n_neurons][input_dims], s16.15 (encoders x gain) */
    const int32_t *bias;      /* [n_neurons], s16.15 */
    const int32_t *gain;      /* [n_neurons], s16.15: scales the neuron inputs */
    int32_t *state;           /* the model's state arrays, n_neurons words each */
    const int32_t *decoders;  /* [output_dims + probe_dims][n_neurons], per spike, s16.15 */
    uint32_t probe_dims;      /* rows decoded after the sent ones, recorded only */
} spinnc_population_t;

/* Point pop at the arrays of a POPULATION region of length bytes (word
 * aligned) by the layout of spinnc_regions.h for its model code.  Returns 0,
 * -1 for a model code with no C step, -2 if the header and arrays do not fill
 * exactly length bytes. */
int32_t spinnc_population_view(void *region, uint32_t length, spinnc_population_t *pop);

/* _kernels.pyx's encode: current[i] = sat(round_once(encoders_i . u)) +
 * bias_i, in int64 (not yet saturated). */
void spinnc_encode(const spinnc_population_t *pop, const int32_t *u, int64_t *current);

/* One neuron-input filter's output y added into the exact per-neuron sums of
 * the neurons it reaches (neurons: indices in the member, from the INDEX_MAP
 * region at the filter's map_offset, map_size of them). */
void spinnc_neuron_input(int64_t *summed, int32_t y, const uint32_t *neurons, uint32_t count);

/* The neurons' input currents J (above), saturated to words; summed is the
 * member's neuron-input sums (n_neurons), or NULL when it has none. */
void spinnc_currents(const spinnc_population_t *pop, const int32_t *u, const int64_t *summed,
                     int32_t *current);

/* The decoded partial sums of the spiking neurons (indices in the member):
 * payloads[d] for d < output_dims + probe_dims. */
void spinnc_decode(const spinnc_population_t *pop, const uint32_t *spikes, uint32_t n_spikes,
                   int32_t *payloads);

/* A member's whole tick after its filters: spinnc_currents into current
 * (n_neurons words of scratch), the model's step on pop->state, spinnc_decode
 * into payloads.  Returns the number of spikes (their indices in spikes,
 * increasing; room for n_neurons), or -1 for a model code with no C step. */
int32_t spinnc_ensemble_step(spinnc_population_t *pop, const int32_t *u, const int64_t *summed,
                             int32_t *current, uint32_t *spikes, int32_t *payloads);

#endif /* SPINNC_KERNELS_ENSEMBLE_H */
