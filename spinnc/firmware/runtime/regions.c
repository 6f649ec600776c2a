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
        rt_error(RTE_VER, "region data has magic %08x version %u; this firmware reads "
                 "magic %08x version %u: rebuild the firmware or recompile the model",
                 table->magic, table->version, SPINNC_REGIONS_MAGIC, SPINNC_REGIONS_VERSION);
}

const void *region_or_null(uint32_t id, uint32_t *length) {
    const region_table_entry_t *entry = (const region_table_entry_t *) (table + 1);
    for (uint32_t i = 0; i < table->count; i++) {
        if (entry[i].id == id) {
            if (length) *length = entry[i].length;
            return (const uint8_t *) table + entry[i].offset;
        }
    }
    return 0;
}

const void *region(uint32_t id, uint32_t *length) {
    const void *found = region_or_null(id, length);
    if (found == 0) rt_error(RTE_SWERR, "region %u is missing from the core's data", id);
    return found;
}
