/* The recording buffer at vcpu user1, in spinnc/recording.py's layout:
 * u32 ticks, u32 count, u32 crc[count], then each recording's rows in room
 * for n_steps / every rows.  The CRC-32 is zlib's (reflected polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF), computed when the run
 * ends or pauses, outside the ticks. */
#include "runtime.h"

#define MAX_RECORDINGS 64

static uint32_t crc_table[256];
static volatile uint32_t *buffer;
static recording_t *list;
static uint32_t n_recordings;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t crc32_update(uint32_t crc, const uint8_t *data, uint32_t length) {
    crc = ~crc;
    for (uint32_t i = 0; i < length; i++) crc = crc_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

void recording_init(recording_t *recordings, uint32_t count, uint32_t n_steps) {
    list = recordings;
    n_recordings = count;
    if (count == 0) return;
    buffer = (volatile uint32_t *) rt_vcpu->user1;
    if (buffer == 0) rt_error(RTE_SWERR, "%u recordings but no recording buffer (user1 is 0)",
                              count);
    crc_init();
    uint32_t offset = 4 * (2 + count);
    for (uint32_t i = 0; i < count; i++) {
        recordings[i].offset = offset;
        offset += (n_steps / recordings[i].every) * recordings[i].row_bytes;
    }
    buffer[0] = 0;
    buffer[1] = count;
}

void recording_row(const recording_t *r, uint32_t row, const void *data) {
    volatile uint32_t *to = (volatile uint32_t *) ((uint8_t *) buffer + r->offset
                                                   + row * r->row_bytes);
    const uint32_t *from = data;
    for (uint32_t i = 0; i < r->row_bytes / 4; i++) to[i] = from[i];
}

void recording_finish(uint32_t ticks) {
    if (n_recordings == 0) return;
    for (uint32_t i = 0; i < n_recordings; i++) {
        const recording_t *r = &list[i];
        buffer[2 + i] = crc32_update(0, (const uint8_t *) buffer + r->offset,
                                     (ticks / r->every) * r->row_bytes);
    }
    buffer[0] = ticks;
}
