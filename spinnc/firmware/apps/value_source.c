/* value_source: plays back an input's values (a row per tick, repeating
 * with the region's period) times the weights of the groups out of it, one
 * multicast packet with payload per weight row per tick (the Python
 * engine's PlaybackKernel: fixed.dot, exact int64 products rounded once). */
#include "runtime.h"
#include "spinnc_regions.h"
#include "fixed.h"

const char app_name[] = "value_source";

#define MAX_ROWS 1024

static uint32_t n_steps, n_rows, dims, period;
static const int32_t *values;  /* period x dims, in SDRAM */
static const int32_t *weights;  /* rows x dims, in SDRAM */
static uint32_t keys[MAX_ROWS];

static void tick(uint32_t t) {
    const int32_t *row = values + (t % period) * dims;
    for (uint32_t r = 0; r < n_rows; r++) {
        int32_t payload = spinnc_dot(row, weights + r * dims, 1, dims, SPINNC_S16_15_FRAC);
        cc_send(keys[r], (uint32_t) payload);
    }
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
    const values_header_t *vh = region(REGION_VALUES, 0);
    const weights_header_t *wh = region(REGION_WEIGHTS, 0);
    dims = vh->dims;
    period = vh->period;
    values = (const int32_t *) (vh + 1);
    weights = (const int32_t *) (wh + 1);
    n_rows = 0;
    for (uint32_t i = 0; i < out->n_nets; i++) {
        for (uint32_t d = 0; d < nets[i].size; d++) {
            if (n_rows >= MAX_ROWS) rt_error(RTE_SWERR, "more than %u output keys", MAX_ROWS);
            keys[n_rows++] = nets[i].key + d;
        }
    }
    if (wh->rows != n_rows || (n_rows && wh->cols != dims) || period == 0)
        rt_error(RTE_SWERR, "weights are %u x %u for %u output keys and %u value "
                 "dimensions (period %u)", wh->rows, wh->cols, n_rows, dims, period);
    rt_on_tick(tick);
    rt_run(system->timestep_us);
}
