/* Messages from host_in and host_out to the host: SDP through IP tag 1 of
 * the root Ethernet chip, the header kept so that its source names the core
 * (spinnc/formats/host_io.py holds the same numbers). */
#ifndef SPINNC_TO_HOST_H
#define SPINNC_TO_HOST_H

#include "runtime.h"

#define TO_HOST_PORT 1        /* SDP port of the application's data (APP_PORT) */
#define TO_HOST_TAG 1         /* OUTPUT_TAG */
#define TO_HOST_PORT_ETH 0xFF /* the monitor sends it out through the tag */
#define TO_HOST_VALUES 0      /* cmd_rc: a host_out core's values (VALUES) */
#define TO_HOST_REQUEST 1     /* cmd_rc: a host_in core asks for its answer (REQUEST) */
#define TO_HOST_PER_MESSAGE 64  /* words in 256 bytes of SDP data */

/* The header of a message to the host with ``data_bytes`` of data. */
static inline void to_host_header(sdp_msg_t *msg, uint16_t cmd, uint32_t data_bytes) {
    msg->length = (uint16_t) (SDP_HEADER_BYTES + data_bytes);
    msg->flags = 0x07;
    msg->tag = TO_HOST_TAG;
    msg->dest_port = TO_HOST_PORT_ETH;
    msg->srce_port = (uint8_t) (TO_HOST_PORT << 5 | rt_phys_cpu);
    msg->dest_addr = 0;  /* the root chip, whose Ethernet holds the tag */
    msg->srce_addr = *(volatile uint16_t *) SV_BASE;  /* sv->p2p_addr */
    msg->cmd_rc = cmd;
    msg->seq = 0;
}

#endif
