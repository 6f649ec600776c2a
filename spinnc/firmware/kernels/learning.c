/* Learning rules on an ensemble member (see learning.h). */
#include "learning.h"

#define WEIGHT_MIN (-((int64_t)1 << 55))
#define WEIGHT_MAX (((int64_t)1 << 55) - 1)
#define ENCODER_MIN (-((int64_t)1 << 47))
#define ENCODER_MAX (((int64_t)1 << 47) - 1)

static inline int64_t clamp(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

void spinnc_pes_decode(const int64_t *weights, uint32_t rows, uint32_t n,
                       const uint32_t *spikes, uint32_t n_spikes, uint32_t first,
                       int32_t *sums)
{
    uint32_t j, s;
    for (j = 0; j < rows; j++) {
        const int64_t *row = weights + (uint64_t)j * n;
        int64_t total = 0;
        for (s = 0; s < n_spikes; s++) {
            total += row[spikes[s] - first] >> 8;
        }
        sums[j] = spinnc_sat(spinnc_shift_round(total, 16));
    }
}

void spinnc_derived(const int32_t *transform, uint32_t rows, uint32_t cols,
                    const int32_t *source, int32_t *out)
{
    uint32_t j;
    for (j = 0; j < rows; j++) {
        out[j] = spinnc_dot(transform + (uint64_t)j * cols, source, 1, cols,
                            SPINNC_S16_15_FRAC);
    }
}

void spinnc_pes_update(int64_t *weights, uint32_t rows, uint32_t n, const int32_t *trace,
                       const int32_t *error, int32_t rate, uint32_t rate_shift,
                       uint32_t delta_shift)
{
    uint32_t i, j;
    for (i = 0; i < n; i++) {
        int32_t ak = spinnc_sat(spinnc_shift_round((int64_t)trace[i] * rate, rate_shift));
        if (ak == 0) {
            continue;  /* no change (round(0) is 0) */
        }
        for (j = 0; j < rows; j++) {
            int64_t *w = weights + (uint64_t)j * n + i;
            *w = clamp(*w + spinnc_shift_round((int64_t)ak * error[j], delta_shift),
                       WEIGHT_MIN, WEIGHT_MAX);
        }
    }
}

void spinnc_bcm_signals(const int32_t *p, const int32_t *theta, uint32_t rows, int32_t *s)
{
    uint32_t j;
    for (j = 0; j < rows; j++) {
        int32_t diff = spinnc_sat((int64_t)p[j] - theta[j]);
        s[j] = spinnc_sat(spinnc_shift_round((int64_t)p[j] * diff, 25));
    }
}

void spinnc_oja_forget(int64_t *weights, uint32_t rows, uint32_t n, const int32_t *p,
                       int32_t forget, uint32_t forget_shift)
{
    uint32_t i, j;
    for (j = 0; j < rows; j++) {
        int32_t q = spinnc_sat(spinnc_shift_round((int64_t)p[j] * p[j], 25));
        int32_t c = spinnc_sat(spinnc_shift_round((int64_t)q * forget, forget_shift));
        int64_t *row = weights + (uint64_t)j * n;
        if (c == 0) {
            continue;  /* nothing forgotten (round(0) is 0) */
        }
        for (i = 0; i < n; i++) {
            int32_t w = spinnc_sat(spinnc_shift_round(row[i], 24));
            row[i] = clamp(row[i] - spinnc_shift_round((int64_t)w * c, 7), WEIGHT_MIN,
                           WEIGHT_MAX);
        }
    }
}

void spinnc_voja_update(int64_t *encoders, uint32_t n, uint32_t dims, const int32_t *trace,
                        const int32_t *scale, const int32_t *x, int32_t signal, int32_t rate,
                        uint32_t rate_shift, uint32_t delta_shift, int32_t *words,
                        uint32_t stride)
{
    uint32_t i, j;
    for (i = 0; i < n; i++) {
        int32_t ak = spinnc_sat(spinnc_shift_round((int64_t)trace[i] * rate, rate_shift));
        int32_t c = spinnc_sat(spinnc_shift_round((int64_t)ak * signal, delta_shift));
        int64_t *e = encoders + (uint64_t)i * dims;
        for (j = 0; j < dims; j++) {
            int32_t target = spinnc_sat(spinnc_shift_round((int64_t)scale[i] * x[j], 15));
            int32_t diff = spinnc_sat((int64_t)target - spinnc_shift_round(e[j], 16));
            e[j] = clamp(e[j] + spinnc_shift_round((int64_t)diff * c, 15),
                         ENCODER_MIN, ENCODER_MAX);
            words[(uint64_t)i * stride + j] = spinnc_sat(spinnc_shift_round(e[j], 16));
        }
    }
}

void spinnc_trace_step(int32_t *trace, uint32_t n, const uint32_t *spikes, uint32_t n_spikes,
                       uint32_t first, int32_t spike, int32_t decay)
{
    uint32_t i, s = 0;
    for (i = 0; i < n; i++) {
        int64_t a = spinnc_shift_round((int64_t)trace[i] * decay, 30);
        if (s < n_spikes && spikes[s] == first + i) {
            a += spike;
            s++;
        }
        trace[i] = spinnc_sat(a);
    }
}

void spinnc_learned_words(const int64_t *values, uint32_t count, uint32_t shift,
                          int32_t *words)
{
    uint32_t i;
    for (i = 0; i < count; i++) {
        words[i] = spinnc_sat(spinnc_shift_round(values[i], shift));
    }
}
