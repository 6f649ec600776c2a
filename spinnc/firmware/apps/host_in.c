/* host_in: a host function's answer arrives each tick as SDP messages from
 * the host (arg1: first value, arg2: count, arg3: tick, data: s16.15 words;
 * spinnc/formats/host_io.py); once all of it is there the core sends it
 * times its weights, a multicast packet per weight row (the Python engine:
 * fixed.dot of the weights and the answer).  The packets are sent in the
 * tick the host answered and used in the next.
 *
 * Each tick starts by asking the host for its answer (an SDP request
 * through IP tag 1: a function without input is called on it).  A host that
 * answers late (a real board does not wait): a tick after one without an
 * answer starts by resending the last answer, and an answer arriving after
 * that resend is kept as the last answer, not sent (one send a tick). */
#include "runtime.h"
#include "spinnc_regions.h"
#include "fixed.h"
#include "to_host.h"

const char app_name[] = "host_in";

#define MAX_ROWS 1024
#define MAX_VALUES 1024

static uint32_t n_steps, n_rows, size;
static const int32_t *weights;  /* rows x size, in SDRAM */
static uint32_t keys[MAX_ROWS];
static int32_t values[MAX_VALUES];
static sdp_msg_t *request;
/* have: an answer came; arrived: one came since the tick started (none is
 * owed before the first); sent: this tick's packets are out. */
static uint32_t have, arrived = 1, sent;

static void send_answer(void) {
    for (uint32_t r = 0; r < n_rows; r++)
        cc_send(keys[r], (uint32_t) spinnc_dot(values, weights + r * size, 1, size,
                                               SPINNC_S16_15_FRAC));
    sent = 1;
}

static void tick(uint32_t t) {
    uint32_t resend = have && !arrived;
    arrived = sent = 0;
    if (resend) send_answer();
    if (!sdp_monitor_ready())
        rt_error(RTE_SWERR, "the monitor did not take tick %u's request", t);
    request->arg1 = t;
    sdp_send_to_monitor(request);
    if (t + 1 >= n_steps) rt_stop();
}

static void answer(const sdp_msg_t *msg) {
    uint32_t first = msg->arg1, count = msg->arg2;
    if (first + count > size || 4 * count > sizeof(msg->data))
        rt_error(RTE_SWERR, "host message of values %u+%u; the function has %u outputs",
                 first, count, size);
    memcpy(values + first, msg->data, 4 * count);
    if (first + count < size) return;
    have = arrived = 1;
    if (!sent) send_answer();
}

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_HOST_IN)
        rt_error(RTE_SWERR, "region data is for application %u, not host_in (%u)",
                 system->application, APPLICATION_HOST_IN);
    n_steps = system->n_steps;
    const output_keys_header_t *out = region(REGION_OUTPUT_KEYS, 0);
    const output_key_t *nets = (const output_key_t *) (out + 1);
    const weights_header_t *wh = region(REGION_WEIGHTS, 0);
    weights = (const int32_t *) (wh + 1);
    size = wh->cols;
    n_rows = 0;
    for (uint32_t i = 0; i < out->n_nets; i++) {
        for (uint32_t d = 0; d < nets[i].size; d++) {
            if (n_rows >= MAX_ROWS) rt_error(RTE_SWERR, "more than %u output keys", MAX_ROWS);
            keys[n_rows++] = nets[i].key + d;
        }
    }
    if (wh->rows != n_rows || size > MAX_VALUES)
        rt_error(RTE_SWERR, "weights are %u x %u for %u output keys (at most %u values)",
                 wh->rows, size, n_rows, MAX_VALUES);
    request = sys_heap_alloc(sizeof(sdp_msg_t), 2);
    if (request == 0) rt_error(RTE_MALLOC, "no system heap for the host's requests");
    to_host_header(request, TO_HOST_REQUEST, 0);
    request->arg2 = request->arg3 = 0;
    rt_on_tick(tick);
    rt_on_sdp(answer);
    rt_run(system->timestep_us);
}
