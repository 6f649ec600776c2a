#include "runtime.h"
#include "spinnc_regions.h"
#include "filter.h"
#include "receive.h"

static input_key_t entries[MAX_ENTRIES];
static uint32_t n_entries;
static uint32_t indices[MAX_INDICES];
static uint32_t n_indices;
static filter_t filters[MAX_FILTERS];
static uint32_t n_filters;
static uint32_t filter_start[MAX_FILTERS];
static uint32_t n_dims;
/* Two accumulator banks: packets add into the live one while a tick
 * filters the other (swapped with interrupts off). */
static int64_t banks[2][MAX_FILTER_DIMS];
static int64_t *volatile live = banks[0];
static int32_t y[MAX_FILTER_DIMS];
static uint32_t base[MAX_MEMBERS], has_base[MAX_MEMBERS];
static int64_t input_sum[MAX_INPUTS + 1];
static int32_t input[MAX_INPUTS + 1];
static uint32_t n_inputs;

void receive_init(const uint32_t *member_dims, uint32_t n_members) {
    n_inputs = 0;
    for (uint32_t m = 0; m < n_members && m < MAX_MEMBERS; m++) {
        if (member_dims[m]) {
            base[m] = n_inputs;
            has_base[m] = 1;
            n_inputs += member_dims[m];
        }
    }
    if (n_inputs > MAX_INPUTS) rt_error(RTE_SWERR, "%u input dimensions, at most %u",
                                        n_inputs, MAX_INPUTS);
    const input_keys_header_t *kh = region(REGION_INPUT_KEYS, 0);
    const filters_header_t *fh = region(REGION_FILTERS, 0);
    const index_map_header_t *ih = region(REGION_INDEX_MAP, 0);
    n_entries = kh->n_entries;
    n_filters = fh->n_filters;
    n_indices = ih->length;
    if (n_entries > MAX_ENTRIES || n_filters > MAX_FILTERS || n_indices > MAX_INDICES)
        rt_error(RTE_SWERR, "%u key entries, %u filters, %u indices: at most %u, %u, %u",
                 n_entries, n_filters, n_indices, MAX_ENTRIES, MAX_FILTERS, MAX_INDICES);
    memcpy(entries, kh + 1, n_entries * sizeof(input_key_t));
    memcpy(filters, fh + 1, n_filters * sizeof(filter_t));
    memcpy(indices, ih + 1, n_indices * sizeof(uint32_t));
    n_dims = 0;
    for (uint32_t f = 0; f < n_filters; f++) {
        filter_start[f] = n_dims;
        if (n_dims + filters[f].dims > MAX_FILTER_DIMS)
            rt_error(RTE_SWERR, "more than %u filter dimensions", MAX_FILTER_DIMS);
        n_dims += filters[f].dims;
    }
    for (uint32_t e = 0; e < n_entries; e++) {
        if (entries[e].filter >= n_filters
                || entries[e].map_offset + entries[e].size > n_indices)
            rt_error(RTE_SWERR, "input key entry %u names filter %u and indices %u+%u of "
                     "%u filters and %u indices", e, entries[e].filter,
                     entries[e].map_offset, entries[e].size, n_filters, n_indices);
    }
}

void receive_packet(uint32_t key, uint32_t payload) {
    /* Every matching entry: a net may feed several filters. */
    for (uint32_t e = 0; e < n_entries; e++) {
        const input_key_t *k = &entries[e];
        if ((key & k->mask) != k->key) continue;
        uint32_t d = key - k->key;
        if (d >= k->size) continue;
        uint32_t dim = filter_start[k->filter] + indices[k->map_offset + d];
        if (dim < n_dims) spinnc_filter_accumulate(live, dim, (int32_t) payload);
    }
}

const int32_t *receive_tick(void) {
    uint32_t cpsr = cpu_int_disable();  /* last tick's packets, all of them */
    int64_t *x = live;
    live = (x == banks[0]) ? banks[1] : banks[0];
    cpu_int_restore(cpsr);
    for (uint32_t f = 0; f < n_filters; f++)  /* consumes x */
        spinnc_filter_step(filters[f].a, filters[f].b, x + filter_start[f], y + filter_start[f],
                           filters[f].dims);
    spinnc_member_clear(input_sum, n_inputs);
    for (uint32_t f = 0; f < n_filters; f++) {
        uint32_t m = filters[f].member;
        if (filters[f].neurons || m >= MAX_MEMBERS || !has_base[m]) continue;
        uint32_t dims = filters[f].dims;
        if (base[m] + dims > n_inputs) dims = n_inputs - base[m];
        spinnc_member_add(input_sum + base[m], y + filter_start[f], dims);
    }
    spinnc_member_finish(input_sum, input, n_inputs);
    return input;
}

uint32_t receive_base(uint32_t member) { return base[member]; }

const filter_t *receive_filters(uint32_t *count) {
    *count = n_filters;
    return filters;
}

int32_t receive_filter_output(uint32_t f) { return y[filter_start[f]]; }

const uint32_t *receive_indices(void) { return indices; }
