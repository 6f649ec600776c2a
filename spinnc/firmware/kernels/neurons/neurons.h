/* The neuron models' fixed-point steps, bit-exact with each model's
 * fixed_step in spinnc.neurons (lif.py with _lif.pyx, adaptive_lif.py,
 * spiking_relu.py, izhikevich.py, regular_spiking.py).
 *
 * Each step advances a contiguous array of n neurons by one tick: current is
 * the neurons' input currents (s16.15 words, already saturated: ensemble.h),
 * the state arrays (the model's state Variables, s16.15 words) are updated in
 * place, and the indices of the neurons that spiked are written to spikes (in
 * increasing order; room for n); the step returns how many spiked.
 *
 * A model's constants are a struct laid out exactly as the model's
 * `constants` Variables in the POPULATION region: the words after the region's
 * five head words (model, n_neurons, input_dims, output_dims, probe_dims), in
 * order, a count (fmt None) unsigned, a fixed-point constant signed.  So
 *     (const void *)((const uint32_t *)population + 5)
 * points at them.  The native tests check every struct against the generated
 * spinnc_regions.h.  The state arrays follow each other in the region (n words
 * each, in the model's `state` order), which spinnc_neuron_step takes as one
 * block.
 */
#ifndef SPINNC_KERNELS_NEURONS_H
#define SPINNC_KERNELS_NEURONS_H

#include <stddef.h>
#include <stdint.h>

/* nengo.LIF (code 1): spinnc.fixed.LIFConstants, state voltage, refractory. */
typedef struct {
    int32_t decay;          /* k(1) = 1 - exp(-dt / tau_rc), s1.30 */
    int32_t dt_over_tau_rc; /* s1.30, the exponent of a partial tick's k(delta) */
    int32_t tau_rc_ticks;   /* tau_rc / dt, s16.15 */
    int32_t tau_ref_ticks;  /* tau_ref / dt, s16.15 */
    int32_t min_voltage;    /* s16.15 */
    uint32_t exp_terms;     /* series terms of k(delta) (at most 256) */
    uint32_t log_terms;     /* series terms of -ln(1 - r) (at most 256) */
} spinnc_lif_constants_t;

/* nengo.AdaptiveLIF (code 2): the LIF's constants, then the adaptation's;
 * state voltage, refractory, adaptation. */
typedef struct {
    spinnc_lif_constants_t lif;
    int32_t dt_over_tau_n; /* s1.30 */
    int32_t jump;          /* inc_n * amplitude / tau_n, s16.15 */
} spinnc_adaptive_lif_constants_t;

/* nengo.SpikingRectifiedLinear (code 3): state voltage. */
typedef struct {
    int32_t dt; /* the tick in seconds, s1.30 */
} spinnc_spiking_relu_constants_t;

/* nengo.Izhikevich (code 4): state voltage, recovery. */
typedef struct {
    int32_t h;              /* dt in ms, s1.30 */
    int32_t square;         /* 0.04, s1.30 */
    int32_t coupling;       /* s1.30 */
    int32_t rate;           /* tau_recovery * h, s1.30 */
    int32_t reset_voltage;  /* s16.15 */
    int32_t reset_recovery; /* s16.15 */
    int32_t floor;          /* -30, the lowest input current, s16.15 */
} spinnc_izhikevich_constants_t;

/* nengo.RegularSpiking of LIFRate or RectifiedLinear (code 5): state voltage.
 * The rate per tick at SPINNC_RS_TABLE_SIZE knots, 2**SPINNC_RS_TABLE_BITS per
 * octave of the current above the threshold (spinnc/neurons/regular_spiking.py). */
#define SPINNC_RS_TABLE_BITS 3
#define SPINNC_RS_TABLE_SIZE (((32 - SPINNC_RS_TABLE_BITS) << SPINNC_RS_TABLE_BITS) + 1)
typedef struct {
    uint32_t base;          /* 0 RectifiedLinear, 1 LIFRate (the float mode's; unused here) */
    int32_t threshold;      /* s16.15: the rate is table[0] at or below it (0 or 1) */
    int32_t rate_amplitude; /* s16.15 (float mode; unused here) */
    int32_t tau_rc_ticks;   /* s16.15 (float mode; unused here) */
    int32_t tau_ref_ticks;  /* s16.15 (float mode; unused here) */
    int32_t rate[SPINNC_RS_TABLE_SIZE]; /* rate_000 ...: spikes per tick, s1.30 */
} spinnc_regular_spiking_constants_t;

uint32_t spinnc_lif_step(const spinnc_lif_constants_t *c, uint32_t n, const int32_t *current,
                         int32_t *voltage, int32_t *refractory, uint32_t *spikes);

uint32_t spinnc_adaptive_lif_step(const spinnc_adaptive_lif_constants_t *c, uint32_t n,
                                  const int32_t *current, int32_t *voltage,
                                  int32_t *refractory, int32_t *adaptation, uint32_t *spikes);

uint32_t spinnc_spiking_relu_step(const spinnc_spiking_relu_constants_t *c, uint32_t n,
                                  const int32_t *current, int32_t *voltage, uint32_t *spikes);

uint32_t spinnc_izhikevich_step(const spinnc_izhikevich_constants_t *c, uint32_t n,
                                const int32_t *current, int32_t *voltage, int32_t *recovery,
                                uint32_t *spikes);

uint32_t spinnc_regular_spiking_step(const spinnc_regular_spiking_constants_t *c, uint32_t n,
                                     const int32_t *current, int32_t *voltage,
                                     uint32_t *spikes);

/* The step of the model with POPULATION code `model`: constants as stored in
 * the region, state the model's state arrays back to back (n words each, in
 * the model's state order, as in the region).  Returns the number of neurons
 * that spiked, or -1 for a code with no C step. */
int32_t spinnc_neuron_step(uint32_t model, const void *constants, uint32_t n,
                           const int32_t *current, int32_t *state, uint32_t *spikes);

/* The number of state arrays of the model with code `model` (0 if unknown). */
uint32_t spinnc_neuron_state_words(uint32_t model);

#endif /* SPINNC_KERNELS_NEURONS_H */
