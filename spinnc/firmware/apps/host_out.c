/* host_out: filters a host function's input as a recorder does and hands
 * it to the host each tick: the values (s16.15 words) in a block of the
 * system heap, announced by an SDP message to the monitor (arg1: tick,
 * arg2: count, arg3: the block's address). */
#include "runtime.h"
#include "spinnc_regions.h"
#include "receive.h"

const char app_name[] = "host_out";

#define PORT 1  /* SDP port of the application's data */

static uint32_t n_steps, size;
static volatile int32_t *block;
static sdp_msg_t *msg;

static void tick(uint32_t t) {
    const int32_t *u = receive_tick();
    for (uint32_t i = 0; i < size; i++) block[i] = u[receive_base(0) + i];
    msg->length = SDP_HEADER_BYTES;
    msg->flags = 0x07;
    msg->tag = 0xFF;
    msg->dest_port = 0xFF;  /* the host */
    msg->srce_port = (uint8_t) (PORT << 5 | rt_phys_cpu);
    msg->cmd_rc = 0;
    msg->arg1 = t;
    msg->arg2 = size;
    msg->arg3 = (uint32_t) block;
    if (!sdp_send_to_monitor(msg))
        rt_error(RTE_SWERR, "the monitor did not take tick %u's message", t);
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
    block = sys_heap_alloc(4 * (size ? size : 1), 1);
    msg = sys_heap_alloc(sizeof(sdp_msg_t), 2);
    if (block == 0 || msg == 0) rt_error(RTE_MALLOC, "no system heap for the host's block");
    rt_on_tick(tick);
    rt_on_packet(receive_packet);
    rt_run(system->timestep_us);
}
