/* value_source: plays back its packets, one multicast packet with payload
 * per output key per tick: row t % period of the PLAYBACK region, which the
 * mapper computed as the input's values times the weights of the groups out
 * of it (fixed.dot: exact int64 products rounded once), so a tick costs a
 * read and a send per key whatever the weights (the Python engine's
 * PlaybackKernel plays the same words). */
#include "runtime.h"
#include "spinnc_regions.h"

const char app_name[] = "value_source";

#define MAX_ROWS 1024

static uint32_t n_steps, n_rows, period;
static const int32_t *payloads;  /* period x rows, in SDRAM */
static uint32_t keys[MAX_ROWS];

static void tick(uint32_t t) {
    const int32_t *row = payloads + (t % period) * n_rows;
    for (uint32_t r = 0; r < n_rows; r++)
        cc_send(keys[r], (uint32_t) row[r]);
    if (t + 1 >= n_steps) rt_stop();
}

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_VALUE_SOURCE)
        rt_error(RTE_SWERR, "region data is for application %u, not value_source (%u)",
                 system->application, APPLICATION_VALUE_SOURCE);
    n_steps = system->n_steps;
    const output_keys_header_t *out = region(REGION_OUTPUT_KEYS, 0);
    const output_key_t *nets = (const output_key_t *) (out + 1);
    const playback_header_t *ph = region(REGION_PLAYBACK, 0);
    period = ph->period;
    payloads = (const int32_t *) (ph + 1);
    n_rows = 0;
    for (uint32_t i = 0; i < out->n_nets; i++) {
        for (uint32_t d = 0; d < nets[i].size; d++) {
            if (n_rows >= MAX_ROWS) rt_error(RTE_SWERR, "more than %u output keys", MAX_ROWS);
            keys[n_rows++] = nets[i].key + d;
        }
    }
    if (ph->rows != n_rows || period == 0)
        rt_error(RTE_SWERR, "playback has %u payloads a tick for %u output keys (period %u)",
                 ph->rows, n_rows, period);
    rt_on_tick(tick);
    rt_run(system->timestep_us);
}
