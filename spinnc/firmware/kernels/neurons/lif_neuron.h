/* One LIF neuron's fixed-point tick (spinnc/neurons/_lif.pyx's loop body),
 * shared by lif.c and adaptive_lif.c.  Internal to the kernels. */
#ifndef SPINNC_KERNELS_LIF_NEURON_H
#define SPINNC_KERNELS_LIF_NEURON_H

#include "../fixed.h"
#include "neurons.h"

/* k(delta) = 1 - exp(-delta dt / tau_rc) in s1.30 for the fraction delta
 * (s16.15, 0..1) of a tick the neuron integrates for: lif.decay_table's
 * entries, computed when needed instead of from a 2**15-entry table (0 while
 * refractory, the stored k(1) for a whole tick, the series in between). */
static inline int32_t spinnc_lif_decay(const spinnc_lif_constants_t *c, int32_t delta)
{
    if (delta <= 0) {
        return 0;
    }
    if (delta >= SPINNC_ONE_15) {
        return c->decay;
    }
    return spinnc_one_minus_exp_neg(spinnc_mul15(c->dt_over_tau_rc, delta), c->exp_terms);
}

/* ratio = (over / drive) in s1.30, rounded half up, for 0 < over <= drive <
 * 2**31: floor(((over << 31) + drive) / (2 drive)) as _lif.pyx computes it,
 * by a 31-step restoring division (no divider on the ARM968; the quotient is
 * at most 2**30, and 2 drive << 30 < 2**63). */
static inline int32_t spinnc_lif_ratio(int32_t over, int32_t drive)
{
    uint64_t d = 2u * (uint64_t)(uint32_t)drive;
    uint64_t rem = ((uint64_t)(uint32_t)over << 31) + (uint32_t)drive;
    uint32_t q = 0;
    int i;
    for (i = 30; i >= 0; i--) {
        if (rem >= (d << i)) {
            rem -= d << i;
            q |= (uint32_t)1 << i;
        }
    }
    return (int32_t)q;
}

/* Advance one neuron a tick with input current j; returns 1 if it spiked. */
static inline int spinnc_lif_neuron(const spinnc_lif_constants_t *c, int32_t j,
                                    int32_t *voltage, int32_t *refractory)
{
    const int64_t half = (int64_t)1 << 29;
    int64_t r = (int64_t)*refractory - SPINNC_ONE_15;
    int64_t delta = SPINNC_ONE_15 - r; /* fraction of the tick integrated */
    int32_t change, v;
    if (delta < 0) {
        delta = 0;
    } else if (delta > SPINNC_ONE_15) {
        delta = SPINNC_ONE_15;
    }
    change = spinnc_mul30(spinnc_sat((int64_t)j - *voltage),
                          spinnc_lif_decay(c, (int32_t)delta));
    v = spinnc_sat((int64_t)*voltage + change);
    if (v > SPINNC_ONE_15) {
        /* Ticks since the crossing of 1: tau_rc/dt * -ln(1 - ratio), ratio =
         * (v - 1) / (J - 1) in (0, 1], the series of fixed.neg_log1m (every
         * power and term within 1, so unsaturated, as _lif.pyx). */
        int32_t over = v - SPINNC_ONE_15;
        int64_t drive = (int64_t)j - SPINNC_ONE_15;
        int64_t power, total, ticks;
        uint32_t k, terms = c->log_terms;
        int32_t ratio;
        if (drive < over) {
            drive = over;
        }
        ratio = spinnc_lif_ratio(over, (int32_t)drive);
        if (terms > SPINNC_MAX_SERIES_TERMS) {
            terms = SPINNC_MAX_SERIES_TERMS;
        }
        power = ratio;
        total = ratio;
        for (k = 1; k < terms; k++) {
            power = (power * ratio + half) >> 30;
            total += (power * spinnc_inverse[k] + half) >> 30;
        }
        ticks = spinnc_mul30(c->tau_rc_ticks, spinnc_sat(total));
        if (ticks > delta) {
            ticks = delta;
        }
        r = (int64_t)c->tau_ref_ticks + SPINNC_ONE_15 - ticks;
        /* An int32 word: wraps (gcc's conversion) past INT32_MAX as _lif.pyx's
         * cast does; only a tau_ref_ticks within 1 of INT32_MAX gets there. */
        *refractory = (int32_t)(r > 0 ? r : 0);
        *voltage = 0;
        return 1;
    }
    *voltage = v > c->min_voltage ? v : c->min_voltage;
    /* A finished refractory period stays at 0 instead of counting down. */
    *refractory = (int32_t)(r > 0 ? r : 0);
    return 0;
}

#endif /* SPINNC_KERNELS_LIF_NEURON_H */
