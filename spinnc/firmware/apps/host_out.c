/* host_out: filters a host function's input as a recorder does and hands
 * it to the host each tick through IP tag 1 of the root Ethernet chip, in
 * SDP messages of up to 64 s16.15 words (cmd_rc 0, arg1: tick, arg2: first
 * value, arg3: count; spinnc/formats/host_io.py). */
#include "runtime.h"
#include "spinnc_regions.h"
#include "receive.h"
#include "to_host.h"

const char app_name[] = "host_out";

static uint32_t n_steps, size;
static sdp_msg_t *msg;

static void tick(uint32_t t) {
    const int32_t *u = receive_tick() + receive_base(0);
    uint32_t first = 0;
    do {
        uint32_t count = size - first < TO_HOST_PER_MESSAGE ? size - first
                                                            : TO_HOST_PER_MESSAGE;
        if (!sdp_monitor_ready())  /* the last message is out before this one is written */
            rt_error(RTE_SWERR, "the monitor did not take tick %u's message", t);
        to_host_header(msg, TO_HOST_VALUES, 4 * count);
        msg->arg1 = t;
        msg->arg2 = first;
        msg->arg3 = count;
        memcpy(msg->data, u + first, 4 * count);
        sdp_send_to_monitor(msg);
        first += count;
    } while (first < size);
    if (t + 1 >= n_steps) rt_stop();
}

void c_main(void) {
    regions_init();
    const system_header_t *system = region(REGION_SYSTEM, 0);
    if (system->application != APPLICATION_HOST_OUT)
        rt_error(RTE_SWERR, "region data is for application %u, not host_out (%u)",
                 system->application, APPLICATION_HOST_OUT);
    n_steps = system->n_steps;
    /* The input is member 0; its size is the widest filter into it. */
    const filters_header_t *fh = region(REGION_FILTERS, 0);
    const filter_t *filters = (const filter_t *) (fh + 1);
    size = 0;
    for (uint32_t f = 0; f < fh->n_filters; f++)
        if (filters[f].member == 0 && !filters[f].neurons && filters[f].dims > size)
            size = filters[f].dims;
    uint32_t member_dims[1] = {size};
    receive_init(member_dims, 1);
    msg = sys_heap_alloc(sizeof(sdp_msg_t), 2);
    if (msg == 0) rt_error(RTE_MALLOC, "no system heap for the host's messages");
    rt_on_tick(tick);
    rt_on_packet(receive_packet);
    rt_run(system->timestep_us);
}
