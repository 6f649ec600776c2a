/* interposer: a passthrough node kept on a core (spinnc/apps/interposer.py).
 * Each tick it filters and sums its input packets as host_out does (receive.c,
 * one member of WEIGHTS' cols dimensions) and sends, a multicast packet per
 * weight row, the weights times that sum (spinnc_dot: exact int64 products
 * rounded once, as host_in sends the host's answer; the Python engine:
 * TransformKernel).  The weights are copied into DTCM: every row reads every
 * weight every tick, and SDRAM would cost a penalty per word. */
#include "runtime.h"
#include "spinnc_regions.h"
#include "fixed.h"
#include "receive.h"

const char app_name[] = "interposer";

static uint32_t n_steps, n_rows, size;
static int32_t *weights;  /* n_rows x size */
static uint32_t *keys;

static void tick(uint32_t t) {
    const int32_t *u = receive_tick() + receive_base(0);
    const int32_t *w = weights;
    for (uint32_t r = 0; r < n_rows; r++, w += size)
        cc_send(keys[r], (uint32_t) spinnc_dot(u, w, 1, size, SPINNC_S16_15_FRAC));
    if (t + 1 >= n_steps) rt_stop();
}

static void *take(uint32_t bytes, const char *what, uint32_t count) {
    void *p = dtcm_alloc(bytes ? bytes : 4);
    if (p == 0) rt_error(RTE_MALLOC, "no DTCM for %u %s (%u bytes; %u free)", count, what,
                         bytes, dtcm_free_bytes());
    return p;
}

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_INTERPOSER)
        rt_error(RTE_SWERR, "region data is for application %u, not interposer (%u)",
                 system->application, APPLICATION_INTERPOSER);
    n_steps = system->n_steps;
    const weights_header_t *wh = region(REGION_WEIGHTS, 0);
    size = wh->cols;
    uint32_t member_dims[1] = {size};
    receive_init(member_dims, 1);
    const output_keys_header_t *out = region(REGION_OUTPUT_KEYS, 0);
    const output_key_t *nets = (const output_key_t *) (out + 1);
    n_rows = 0;
    for (uint32_t i = 0; i < out->n_nets; i++) n_rows += nets[i].size;
    if (wh->rows != n_rows)
        rt_error(RTE_SWERR, "weights are %u x %u for %u output keys", wh->rows, size, n_rows);
    keys = take(4 * n_rows, "output keys", n_rows);
    for (uint32_t i = 0, r = 0; i < out->n_nets; i++)
        for (uint32_t d = 0; d < nets[i].size; d++) keys[r++] = nets[i].key + d;
    weights = take(4 * n_rows * size, "weights", n_rows * size);
    memcpy(weights, wh + 1, 4 * n_rows * size);
    rt_on_tick(tick);
    rt_on_packet(receive_packet);
    rt_run(system->timestep_us);
}
