/* spinnc's minimal runtime for SpiNNaker1 application cores (no SDK).
 *
 * What it does for an application, in order (FIRMWARE.md 3-5):
 *   start.S: vectors, CP15, .data copy and .bss zero, a stack per mode;
 *   runtime_init (SVC mode): physical and virtual core, the vcpu block
 *     (state WAIT), an IOBUF block from the system heap, the VIC with the
 *     monitor's CPU interrupt;
 *   runtime_main (SYS mode, interrupts on): waits for SIG_START if asked,
 *     state SARK, c_main(); when it returns, state EXIT and sleep.
 * An application's c_main reads its regions, registers a tick callback and a
 * packet callback and calls rt_run(), which waits at the sync0 barrier and
 * then runs the 1 ms timer until the application calls rt_stop().
 */
#ifndef SPINNC_RUNTIME_H
#define SPINNC_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include "spinnaker.h"

typedef void (*tick_callback_t)(uint32_t tick);
typedef void (*packet_callback_t)(uint32_t key, uint32_t payload);
typedef void (*event_callback_t)(void);

extern uint32_t rt_app_id, rt_phys_cpu, rt_virt_cpu;
extern volatile vcpu_t *rt_vcpu;

/* The application's entry point. */
/* Run once, outside the ticks: cold, so compiled for size (ITCM is 32 KB). */
#define RT_COLD __attribute__((cold))
void c_main(void) RT_COLD;

/* Text to IOBUF: %d %u %x (with an optional 0 and width) %s %c %%. */
void io_printf(const char *fmt, ...);

/* A runtime exception: the text to IOBUF, the code in the vcpu block,
 * state RTE, every interrupt off, sleep for ever. */
void rt_error(uint32_t code, const char *fmt, ...) __attribute__((noreturn));

void rt_state(uint32_t state);

/* RTE 13 "stack overflow (<mode> stack)" if the lowest word of a mode's
 * stack no longer holds start.S's 0xDEADDEAD fill (exception.c); run_tick
 * calls it at the end of every tick. */
void rt_stack_check(uint32_t tick);

/* The tick callback (called in the timer interrupt, once per tick, with the
 * tick number from 0), the packet callback (multicast with payload) and the
 * pause callback (SIG_PAUSE; SIG_CONT resumes). */
void rt_on_tick(tick_callback_t callback);
void rt_on_packet(packet_callback_t callback);
void rt_on_pause(event_callback_t callback);

/* Sync0 barrier, state RUN, timer of period_us microseconds; returns once
 * rt_stop() has been called (from a tick callback). */
void rt_run(uint32_t period_us);
void rt_stop(void);

/* SDP messages from the host (the monitor's mailbox MSG): the callback runs
 * in the CPU interrupt, then the runtime returns the shared buffer. */
typedef void (*sdp_callback_t)(const sdp_msg_t *msg);
void rt_on_sdp(sdp_callback_t callback);
/* Hand an SDP message (in System RAM or SDRAM, not DTCM) to the monitor for
 * the host; waits (boundedly) while the last one is not yet taken; returns
 * 0 if it was still not taken. */
int sdp_send_to_monitor(sdp_msg_t *msg);
/* Whether the monitor has taken the last message (waits boundedly), so its
 * buffer may be written again. */
int sdp_monitor_ready(void);

/* Send a multicast packet with payload. */
void cc_send(uint32_t key, uint32_t payload);

/* Per-core provenance (vcpu user2): max cycles, overruns, sent, received. */
typedef struct {
    uint32_t max_cycles;
    uint32_t overruns;
    uint32_t packets_sent;
    uint32_t packets_received;
} provenance_t;
void provenance_write(void);

/* Region data at vcpu user0 (the region table of spinnc_regions.h): the
 * magic and version are checked in regions_init (RTE_VER on a mismatch). */
void regions_init(void);
const void *region(uint32_t id, uint32_t *length);  /* RTE_SWERR if absent */
const void *region_or_null(uint32_t id, uint32_t *length);
/* Region ``id`` of another core of this chip (virtual core ``core``): 0 if
 * that core has no region data of this version or no such region. */
const void *core_region_or_null(uint32_t core, uint32_t id, uint32_t *length);

/* The recording buffer at vcpu user1 (spinnc/recording.py's layout). */
typedef struct {
    uint32_t row_bytes;
    uint32_t every;
    uint32_t offset;  /* byte offset of its rows in the buffer */
} recording_t;
void recording_init(recording_t *recordings, uint32_t count, uint32_t n_steps);
void recording_row(const recording_t *r, uint32_t row, const void *data);
void recording_finish(uint32_t ticks);  /* ticks, count and CRC-32s into the header */

uint32_t crc32_update(uint32_t crc, const uint8_t *data, uint32_t length);

/* The DTCM heap, from the end of .bss to the stacks: a bump allocator
 * (8-byte aligned, never freed); 0 when there is no room. */
void *dtcm_alloc(uint32_t bytes);
uint32_t dtcm_free_bytes(void);

/* The shared system heap (sv->sys_heap, SARK's format, FIRMWARE.md 6). */
void *sys_heap_alloc(uint32_t bytes, uint32_t tag);

/* Interrupt masking (CPSR I and F), from start.S. */
uint32_t cpu_int_disable(void);
void cpu_int_restore(uint32_t cpsr);
void cpu_wait_for_interrupt(void);

void *memcpy(void *dest, const void *src, size_t n);
void *memset(void *dest, int c, size_t n);

#endif
