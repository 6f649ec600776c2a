/* The LIF model's update for the emulator's compiled tick (spinnc/neurons/_lif.pyx
 * wraps it): per neuron what the firmware does, to the bit (spinnc.fixed
 * documents the scheme).  Three passes, so that the compiler vectorises the
 * first and third: every neuron's voltage as if it did not spike, the spiking
 * neurons gathered into a list, then their sub-tick crossing times. */
#ifndef SPINNC_LIF_LOOP_H
#define SPINNC_LIF_LOOP_H

#include <stddef.h>
#include "native.h"

#define SPINNC_ONE (1 << 15)  /* 1.0 in s16.15 */
#define SPINNC_S1_30_HALF (1 << 29)
#define SPINNC_CHUNK 256      /* spiking neurons per pass of the crossing times */

/* table[delta] is k(delta) in s1.30 for delta 0..ONE, inverse[k - 1] 1/k in s1.30;
 * current, voltage and refractory are int32 words.  Returns how many spiked,
 * their indices at the front of spikes[], which is scratch for all n. */
SPINNC_CLONES
static ptrdiff_t spinnc_lif_loop(const int64_t *restrict table, const int64_t *restrict inverse,
                                 int64_t tau_rc_ticks, int64_t tau_ref_ticks,
                                 int64_t min_voltage, int log_terms,
                                 const int32_t *restrict current, int32_t *restrict voltage,
                                 int32_t *restrict refractory, int64_t *restrict spikes,
                                 ptrdiff_t n) {
    const int64_t ONE = SPINNC_ONE, HALF = SPINNC_S1_30_HALF;
    /* A neuron above this keeps its voltage: it spikes (above ONE) or is above
     * the floor. */
    const int64_t keep = min_voltage < ONE ? min_voltage : ONE;
    ptrdiff_t i, s, count = 0;
    for (i = 0; i < n; i++) {
        int64_t r = (int64_t)refractory[i] - ONE;
        /* the fraction of this tick the neuron integrates for (0 while refractory) */
        int64_t delta = ONE - r;
        delta = delta < 0 ? 0 : (delta > ONE ? ONE : delta);
        int64_t change = spinnc_sat((spinnc_sat((int64_t)current[i] - voltage[i])
                                     * (int64_t)(int32_t)table[delta] + HALF) >> 30);
        int64_t v = spinnc_sat(voltage[i] + change);
        spikes[i] = v > ONE;
        voltage[i] = (int32_t)(v > keep ? v : min_voltage);
        /* a finished refractory period stays at 0 instead of counting down */
        refractory[i] = (int32_t)(r > 0 ? r : 0);
    }
    for (i = 0; i < n; i++) {  /* the spiking neurons, in order, in place of the flags */
        int64_t fired = spikes[i];
        spikes[count] = i;
        count += fired;
    }
    for (s = 0; s < count; s += SPINNC_CHUNK) {
        int32_t after[SPINNC_CHUNK];
        ptrdiff_t m = count - s < SPINNC_CHUNK ? count - s : SPINNC_CHUNK, k;
        const int64_t *fired = spikes + s;
        for (k = 0; k < m; k++) {
            int64_t j = current[fired[k]];
            /* refractory[] holds max(r, 0) now: the same delta as above */
            int64_t delta = ONE - refractory[fired[k]];
            delta = delta < 0 ? 0 : delta;
            /* the time since the crossing of 1, in ticks: tau_rc/dt * -ln(1 - ratio),
             * ratio = (v - 1) / (J - 1) in (0, 1] (fixed.div, rounded half up) */
            int64_t over = (int64_t)voltage[fired[k]] - ONE, drive = j - ONE;
            drive = drive < over ? over : drive;
            int64_t ratio = ((over << 31) + drive) / (2 * drive);
            /* -ln(1 - ratio) = sum of ratio**k / k (fixed.neg_log1m) */
            int64_t power = ratio, total = ratio;
            for (int t = 1; t < log_terms; t++) {
                power = (power * ratio + HALF) >> 30;
                total += (power * inverse[t] + HALF) >> 30;
            }
            int64_t ticks = spinnc_sat((tau_rc_ticks * spinnc_sat(total) + HALF) >> 30);
            ticks = ticks > delta ? delta : ticks;
            int64_t r = tau_ref_ticks + ONE - ticks;
            after[k] = (int32_t)(r > 0 ? r : 0);
        }
        for (k = 0; k < m; k++) {
            refractory[fired[k]] = after[k];
            voltage[fired[k]] = 0;
        }
    }
    return count;
}

#endif
