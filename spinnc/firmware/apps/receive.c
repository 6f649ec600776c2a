/* See receive.h.  Every table is sized by the core's own data and taken from
 * the DTCM heap (dtcm_alloc); what does not fit is RTE_MALLOC naming it. */
#include "runtime.h"
#include "spinnc_regions.h"
#include "filter.h"
#include "receive.h"

static input_key_t *entries;
static uint32_t n_entries;
static uint32_t sorted_disjoint;  /* entries sorted by key, blocks disjoint */
static void sort_entries(void);
static uint32_t *indices;
static uint32_t n_indices;
static filter_t *filters;
static uint32_t n_filters;
static uint32_t *filter_start;
static uint32_t *state_start;  /* each filter's first partial sum (order - 1 a dimension) */
static int32_t *coefficients;
static int32_t *state;
static uint32_t n_dims;
/* Two accumulator banks: packets add into the live one while a tick
 * filters the other (swapped with interrupts off). */
static int64_t *banks[2];
static int64_t *volatile live;
static int32_t *y;
static uint32_t *base, *has_base, *widths, n_members;
static int64_t *input_sum;
static int32_t *input;
static uint32_t n_inputs;

static void *take(uint32_t bytes, const char *what, uint32_t count) {
    void *p = dtcm_alloc(bytes);
    if (p == 0) rt_error(RTE_MALLOC, "no DTCM for %u %s (%u bytes; %u free)", count, what,
                         bytes, dtcm_free_bytes());
    return p;
}

void receive_init(const uint32_t *member_dims, uint32_t members) {
    n_members = members;
    base = take(4 * members + 4, "members", members);
    has_base = take(4 * members + 4, "members", members);
    widths = take(4 * members + 4, "members", members);
    n_inputs = 0;
    for (uint32_t m = 0; m < members; m++) {
        has_base[m] = member_dims[m] != 0;
        widths[m] = member_dims[m];
        base[m] = n_inputs;
        n_inputs += member_dims[m];
    }
    input_sum = take(8 * (n_inputs + 1), "input dimensions", n_inputs);
    input = take(4 * (n_inputs + 1), "input dimensions", n_inputs);
    const input_keys_header_t *kh = region(REGION_INPUT_KEYS, 0);
    const filters_header_t *fh = region(REGION_FILTERS, 0);
    const index_map_header_t *ih = region(REGION_INDEX_MAP, 0);
    n_entries = kh->n_entries;
    n_filters = fh->n_filters;
    n_indices = ih->length;
    entries = take(n_entries * sizeof(input_key_t), "input key entries", n_entries);
    filters = take(n_filters * sizeof(filter_t), "filters", n_filters);
    filter_start = take(4 * n_filters, "filters", n_filters);
    state_start = take(4 * n_filters, "filters", n_filters);
    coefficients = take(4 * fh->n_coefficients, "filter coefficients", fh->n_coefficients);
    indices = take(4 * n_indices, "index map words", n_indices);
    memcpy(entries, kh + 1, n_entries * sizeof(input_key_t));
    sort_entries();
    memcpy(filters, fh + 1, n_filters * sizeof(filter_t));
    memcpy(coefficients, (const filter_t *) (fh + 1) + n_filters, 4 * fh->n_coefficients);
    memcpy(indices, ih + 1, n_indices * sizeof(uint32_t));
    n_dims = 0;
    uint32_t n_state = 0;
    for (uint32_t f = 0; f < n_filters; f++) {
        if (filters[f].order == 0 || filters[f].frac_bits == 0 || filters[f].frac_bits > 31
                || filters[f].coefficients + 2 * filters[f].order > fh->n_coefficients)
            rt_error(RTE_SWERR, "filter %u: order %u, %u fractional bits, coefficients "
                     "%u+%u of %u", f, filters[f].order, filters[f].frac_bits,
                     filters[f].coefficients, 2 * filters[f].order, fh->n_coefficients);
        const filter_t *fl = &filters[f];
        if (!fl->neurons && fl->member < members && has_base[fl->member]
                && fl->first + (uint64_t) fl->dims > widths[fl->member])
            rt_error(RTE_SWERR, "filter %u: dims %u+%u of %u", f, fl->first, fl->dims,
                     widths[fl->member]);
        filter_start[f] = n_dims;
        state_start[f] = n_state;
        n_dims += filters[f].dims;
        n_state += filters[f].dims * (filters[f].order - 1);
    }
    state = take(4 * n_state, "filter partial sums", n_state);
    for (uint32_t i = 0; i < n_state; i++) state[i] = 0;
    banks[0] = take(8 * n_dims, "filter dimensions", n_dims);
    banks[1] = take(8 * n_dims, "filter dimensions", n_dims);
    y = take(4 * n_dims, "filter dimensions", n_dims);
    for (uint32_t i = 0; i < n_dims; i++) banks[0][i] = banks[1][i] = y[i] = 0;
    live = banks[0];
    for (uint32_t e = 0; e < n_entries; e++) {
        if (entries[e].filter >= n_filters
                || entries[e].map_offset + entries[e].size > n_indices)
            rt_error(RTE_SWERR, "input key entry %u names filter %u and indices %u+%u of "
                     "%u filters and %u indices", e, entries[e].filter,
                     entries[e].map_offset, entries[e].size, n_filters, n_indices);
    }
}

static void add_entry(const input_key_t *k, uint32_t key, uint32_t payload) {
    if ((key & k->mask) != k->key) return;
    uint32_t d = key - k->key;
    if (d >= k->size) return;
    uint32_t dim = filter_start[k->filter] + indices[k->map_offset + d];
    if (dim < n_dims) spinnc_filter_accumulate(live, dim, (int32_t) payload);
}

void receive_packet(uint32_t key, uint32_t payload) {
    /* Every matching entry: a net may feed several filters (they are
     * adjacent, with one key).  Sorted and disjoint: a binary search for the
     * last entry whose key is at most this one, then its run of equal keys;
     * else every entry.  The sums are exact, so the order is immaterial. */
    if (!sorted_disjoint) {
        for (uint32_t e = 0; e < n_entries; e++) add_entry(&entries[e], key, payload);
        return;
    }
    uint32_t lo = 0, hi = n_entries;
    while (lo < hi) {
        uint32_t mid = (lo + hi) >> 1;
        if (entries[mid].key <= key) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return;
    uint32_t found = entries[lo - 1].key;
    for (uint32_t e = lo; e-- > 0 && entries[e].key == found;) add_entry(&entries[e], key, payload);
}

/* Sort the entries by key (insertion sort, once at start) and check that
 * entries of different keys cover disjoint blocks of keys, which the binary
 * search needs (the mapper allocates them so; other data falls back to the
 * scan of every entry). */
static void sort_entries(void) {
    for (uint32_t i = 1; i < n_entries; i++) {
        input_key_t k = entries[i];
        uint32_t j = i;
        while (j > 0 && entries[j - 1].key > k.key) {
            entries[j] = entries[j - 1];
            j--;
        }
        entries[j] = k;
    }
    sorted_disjoint = 1;
    for (uint32_t e = 0; e < n_entries; e++) {
        if ((entries[e].key & entries[e].mask) != entries[e].key) sorted_disjoint = 0;
        if (e + 1 < n_entries && entries[e + 1].key != entries[e].key
                && entries[e + 1].key <= (entries[e].key | ~entries[e].mask))
            sorted_disjoint = 0;  /* the next key lies in this entry's block */
        if (e > 0 && entries[e].key == entries[e - 1].key
                && entries[e].mask != entries[e - 1].mask)
            sorted_disjoint = 0;
    }
}

const int32_t *receive_tick(void) {
    uint32_t cpsr = cpu_int_disable();  /* last tick's packets, all of them */
    int64_t *x = live;
    live = (x == banks[0]) ? banks[1] : banks[0];
    cpu_int_restore(cpsr);
    for (uint32_t f = 0; f < n_filters; f++)  /* consumes x */
        spinnc_filter_step(coefficients + filters[f].coefficients, filters[f].order,
                           filters[f].frac_bits, x + filter_start[f], y + filter_start[f],
                           state + state_start[f], filters[f].dims);
    spinnc_member_clear(input_sum, n_inputs);
    for (uint32_t f = 0; f < n_filters; f++) {
        uint32_t m = filters[f].member;
        if (filters[f].neurons || m >= n_members || !has_base[m]) continue;
        spinnc_member_add(input_sum + base[m] + filters[f].first, y + filter_start[f],
                          filters[f].dims);
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
