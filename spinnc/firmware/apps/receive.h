/* What a receiving core (recorder, host_out) shares: its input key table,
 * filters and index map (spinnc.mapper.regions._inputs), the packets summed
 * into filter dimensions, the filters' update and each member's input, the
 * sum of its value filters (the shared kernels' filter.h: FilterBank and
 * MemberInputs of the Python engine, bit for bit). */
#ifndef SPINNC_APPS_RECEIVE_H
#define SPINNC_APPS_RECEIVE_H

#include <stdint.h>
#include "runtime.h"
#include "spinnc_regions.h"

/* Members a recorder or ensemble core may have (its own small tables). */
#define MAX_MEMBERS 64

/* Reads the regions into tables in the DTCM heap; member_dims[m] (0: no
 * such member) sizes each member's input. */
void receive_init(const uint32_t *member_dims, uint32_t n_members) RT_COLD;
/* The packet callback. */
void receive_packet(uint32_t key, uint32_t payload);
/* This tick's filter update and member inputs; returns the inputs
 * (member m's from receive_base(m)). */
const int32_t *receive_tick(void);
uint32_t receive_base(uint32_t member);
/* The filters (FILTERS region, in DTCM), this tick's output of filter f and
 * the index map (neuron inputs' neurons). */
const filter_t *receive_filters(uint32_t *count);
int32_t receive_filter_output(uint32_t f);
const uint32_t *receive_indices(void);

#endif
