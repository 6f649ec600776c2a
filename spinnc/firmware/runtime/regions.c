/* The core's region data (vcpu user0): the table spinnc.regions writes and
 * spinnc_regions.h describes. */
#include "runtime.h"
#include "spinnc_regions.h"

static const region_table_header_t *table;

void regions_init(void) {
    table = (const region_table_header_t *) rt_vcpu->user0;
    if (table == 0) rt_error(RTE_SWERR, "no region data: vcpu user0 is 0");
    if ((uint32_t) table & 3u)
        rt_error(RTE_SWERR, "region data at %08x is not word aligned", (uint32_t) table);
    if (table->magic != SPINNC_REGIONS_MAGIC || table->version != SPINNC_REGIONS_VERSION)
        rt_error(RTE_VER, "region data is magic %08x version %u, the firmware's %08x "
                 "version %u: rebuild the firmware or recompile the model",
                 table->magic, table->version, SPINNC_REGIONS_MAGIC, SPINNC_REGIONS_VERSION);
}

static const void *find(const region_table_header_t *in, uint32_t id, uint32_t *length) {
    const region_table_entry_t *entry = (const region_table_entry_t *) (in + 1);
    for (uint32_t i = 0; i < in->count; i++) {
        if (entry[i].id == id) {
            if (length) *length = entry[i].length;
            return (const uint8_t *) in + entry[i].offset;
        }
    }
    return 0;
}

const void *region_or_null(uint32_t id, uint32_t *length) { return find(table, id, length); }

const void *core_region_or_null(uint32_t core, uint32_t id, uint32_t *length) {
    if (core >= CORES_PER_CHIP) return 0;
    const volatile vcpu_t *other = (const volatile vcpu_t *) (VCPU_BASE + sizeof(vcpu_t) * core);
    const region_table_header_t *in = (const region_table_header_t *) other->user0;
    if (in == 0 || ((uint32_t) in & 3u) || in->magic != SPINNC_REGIONS_MAGIC
            || in->version != SPINNC_REGIONS_VERSION)
        return 0;
    return find(in, id, length);
}

const void *region(uint32_t id, uint32_t *length) {
    const void *found = region_or_null(id, length);
    if (found == 0) rt_error(RTE_SWERR, "region %u is missing from the core's data", id);
    return found;
}
