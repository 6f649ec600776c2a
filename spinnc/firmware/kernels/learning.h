/* Learning rules on an ensemble member (spinnc/learning/): bit-exact with
 * spinnc.firmware_sim.kernels' LearnedRows, DerivedRows and LearnedEncoders
 * (and spinnc.learning, spinnc.learning.pes, .bcm, .oja, .voja).
 *
 * Per tick, after the member's decode and before its packets are sent: each
 * PES rule decodes its learned rows (spinnc_pes_decode), each derived rule
 * its transform of them (spinnc_derived).  After sending: each PES rule
 * updates its weights from the member's error dimensions and the trace of
 * the spikes before this tick (spinnc_pes_update), each BCM rule its
 * weights from the post's activities (spinnc_bcm_signals, then
 * spinnc_pes_update), each Oja rule likewise after forgetting
 * (spinnc_oja_forget), each Voja rule its
 * encoders (spinnc_voja_update), then this tick's spikes enter the traces
 * (spinnc_trace_step).
 *
 * Formats: learned weights s24.39 in int64 (rows x neurons, per spike), Voja's
 * encoders s32.31 in int64 (neurons x dimensions); traces with their rule's
 * trace_frac fractional bits (spinnc.learning.trace_frac); errors, scales and
 * signals s16.15; rates a mantissa with two shifts (spinnc.learning.rate_words).
 */
#ifndef SPINNC_KERNELS_LEARNING_H
#define SPINNC_KERNELS_LEARNING_H

#include <stdint.h>

#include "fixed.h"

#define SPINNC_LEARN_PES 1
#define SPINNC_LEARN_VOJA 2
#define SPINNC_LEARN_BCM 3
#define SPINNC_LEARN_OJA 4
#define SPINNC_LEARN_DERIVED 0

/* The rules that learn rows of weights (PES, BCM, Oja). */
static inline int spinnc_learns_rows(uint32_t kind)
{
    return kind == SPINNC_LEARN_PES || kind == SPINNC_LEARN_BCM || kind == SPINNC_LEARN_OJA;
}

/* spinnc.learning.shift_round: (x + 2**(s - 1)) >> s, or x for s = 0. */
static inline int64_t spinnc_shift_round(int64_t x, uint32_t s)
{
    return s ? (x + ((int64_t)1 << (s - 1))) >> s : x;
}

/* payload[j] = sat(round((sum over the spikes of w[j][i - first] >> 8), 16)); the
 * spikes are member indices of neurons first .. first + n. */
void spinnc_pes_decode(const int64_t *weights, uint32_t rows, uint32_t n,
                       const uint32_t *spikes, uint32_t n_spikes, uint32_t first,
                       int32_t *sums);

/* out[j] = fixed.dot(transform[j], source) (s16.15, rounded once). */
void spinnc_derived(const int32_t *transform, uint32_t rows, uint32_t cols,
                    const int32_t *source, int32_t *out);

/* w[j][i] += round(sat(round(trace[i] * rate, rate_shift)) * error[j], delta_shift),
 * clamped to s16.15's range in s24.39. */
void spinnc_pes_update(int64_t *weights, uint32_t rows, uint32_t n, const int32_t *trace,
                       const int32_t *error, int32_t rate, uint32_t rate_shift,
                       uint32_t delta_shift);

/* BCM's row signals: s[j] = sat(round(p[j] * sat(p[j] - theta[j]), 25)). */
void spinnc_bcm_signals(const int32_t *p, const int32_t *theta, uint32_t rows, int32_t *s);

/* Oja's forgetting: c = sat(round(sat(round(p[j] * p[j], 25)) * forget, forget_shift));
 * w[j][i] -= round(sat(round(w[j][i], 24)) * c, 7), clamped as PES's. */
void spinnc_oja_forget(int64_t *weights, uint32_t rows, uint32_t n, const int32_t *p,
                       int32_t forget, uint32_t forget_shift);

/* Voja: c = sat(round(sat(round(trace * rate, rate_shift)) * signal, delta_shift));
 * e[i][j] += round(sat(sat(round(scale[i] * x[j], 15)) - round(e[i][j], 16)) * c, 15),
 * clamped; words[i * stride + j] = sat(round(e[i][j], 16)). */
void spinnc_voja_update(int64_t *encoders, uint32_t n, uint32_t dims, const int32_t *trace,
                        const int32_t *scale, const int32_t *x, int32_t signal, int32_t rate,
                        uint32_t rate_shift, uint32_t delta_shift, int32_t *words,
                        uint32_t stride);

/* trace[i] = sat(round(trace[i] * decay, 30) + (first + i spiked ? spike : 0));
 * spikes are increasing member indices of neurons first .. first + n. */
void spinnc_trace_step(int32_t *trace, uint32_t n, const uint32_t *spikes, uint32_t n_spikes,
                       uint32_t first, int32_t spike, int32_t decay);

/* The recorded words of learned values: sat(round(v, shift)), count of them. */
void spinnc_learned_words(const int64_t *values, uint32_t count, uint32_t shift,
                          int32_t *words);

#endif /* SPINNC_KERNELS_LEARNING_H */
