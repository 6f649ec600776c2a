/* Start-up, the handshake with SC&MP, interrupts, the tick and packets.
 * The steps follow FIRMWARE.md 3 (start-up), 4 (vcpu block and states),
 * 5 (the monitor's CPU interrupt and signals), 7 (VIC), 8 (timer) and
 * 9 (communications controller); own code. */
#include "runtime.h"
#include "spinnc_regions.h"

uint32_t rt_app_id, rt_phys_cpu, rt_virt_cpu;
volatile vcpu_t *rt_vcpu;
static volatile uint32_t app_flags;  /* bit 0: wait for SIG_START */
static volatile uint32_t stopped, paused, running;
static uint32_t tick, tick_load;
static tick_callback_t tick_callback;
static packet_callback_t packet_callback;
static event_callback_t pause_callback;
static sdp_callback_t sdp_callback;
static provenance_t provenance;
static volatile provenance_t *provenance_block;
/* A profiled core's cycles of each tick, after its provenance block (the
 * PROFILE region's ticks of them; spinnc/recording.py). */
static volatile uint32_t *profile_rows;
static uint32_t profile_ticks;

#define SV8(off)  (*(volatile uint8_t *) (SV_BASE + (off)))
#define SV16(off) (*(volatile uint16_t *) (SV_BASE + (off)))
#define SV32(off) (*(volatile uint32_t *) (SV_BASE + (off)))

void rt_state(uint32_t state) {
    rt_vcpu->cpu_state = (uint8_t) state;
}

/* -- interrupt service routines (ARM state, FIRMWARE.md 7) ------------------ */

static void __attribute__((interrupt("IRQ"))) vic_unconfigured_isr(void) {
    rt_error(RTE_VIC, "an interrupt reached an unconfigured VIC vector (IRQ status %08x)",
             REG(VIC_BASE, VIC_IRQST));
}

static void signal(uint32_t number) {
    switch (number) {
    case SIG_START:
        app_flags &= ~1u;
        break;
    case SIG_PAUSE:
        if (running && !paused) {
            paused = 1;
            if (pause_callback) pause_callback();
            provenance_write();
            rt_state(CPU_STATE_PAUSE);
        }
        break;
    case SIG_CONT:
        if (paused) {
            paused = 0;
            rt_state(CPU_STATE_RUN);
        }
        break;
    case SIG_EXIT:
        stopped = 1;
        break;
    default:
        break;
    }
}

static uint32_t lock_take(uint32_t n) {
    uint32_t cpsr = cpu_int_disable();
    while (REG(SC_BASE, SC_LOCK_TAS(n)) & 0x80000000u) continue;
    return cpsr;
}

static void lock_give(uint32_t n, uint32_t cpsr) {
    (void) REG(SC_BASE, SC_LOCK_TAC(n));
    cpu_int_restore(cpsr);
}

/* An SDP message from the monitor: the callback, then the buffer goes back
 * on sv->shm_root's free list under lock 0 (FIRMWARE.md 5). */
static void sdp_received(sdp_msg_t *msg) {
    if (sdp_callback) sdp_callback(msg);
    if (!running) provenance_write();  /* after the run: no tick writes it */
    volatile uint32_t *root = (volatile uint32_t *) (SV_BASE + SV_SHM_ROOT);
    uint32_t cpsr = lock_take(LOCK_MSG);
    msg->next = (sdp_msg_t *) root[0];
    root[0] = (uint32_t) msg;
    *(volatile uint16_t *) (root + 1) += 1;
    lock_give(LOCK_MSG, cpsr);
}

void rt_on_sdp(sdp_callback_t callback) { sdp_callback = callback; }

int sdp_monitor_ready(void) {
    for (uint32_t tries = 0; rt_vcpu->mbox_mp_cmd != 0; tries++) {
        if (tries > 100000) return 0;
    }
    return 1;
}

int sdp_send_to_monitor(sdp_msg_t *msg) {
    if (!sdp_monitor_ready()) return 0;
    rt_vcpu->mbox_mp_msg = msg;
    rt_vcpu->mbox_mp_cmd = MBOX_MSG;
    uint32_t cpsr = lock_take(LOCK_MBOX);
    uint32_t flags = SV32(SV_MBOX_FLAGS);
    SV32(SV_MBOX_FLAGS) = flags | 1u << rt_virt_cpu;
    lock_give(LOCK_MBOX, cpsr);
    if (flags == 0)
        REG(SC_BASE, SC_SET_IRQ) = SC_CODE | 1u << (REG(SC_BASE, SC_MON_ID) & 31u);
    return 1;
}

/* The monitor's CPU interrupt (FIRMWARE.md 5): acknowledge, then act on the
 * mailbox; an empty mailbox is a sync wake-up. */
static void __attribute__((interrupt("IRQ"))) cpu_int_isr(void) {
    REG(SC_BASE, SC_CLR_IRQ) = SC_CODE | (1u << rt_phys_cpu);
    uint32_t cmd = rt_vcpu->mbox_ap_cmd;
    if (cmd != 0) {
        uint32_t data = (uint32_t) rt_vcpu->mbox_ap_msg;
        if (cmd == MBOX_NOP) rt_vcpu->mbox_ap_msg = 0;  /* the interrupted PC is not kept */
        rt_vcpu->mbox_ap_cmd = 0;
        if (cmd == MBOX_SIGNAL) signal(data);
        if (cmd == MBOX_MSG) sdp_received((sdp_msg_t *) data);
    }
    REG(VIC_BASE, VIC_VADDR) = 0;
}

void provenance_write(void) {
    if (provenance_block) {
        provenance_block->max_cycles = provenance.max_cycles;
        provenance_block->overruns = provenance.overruns;
        provenance_block->packets_sent = provenance.packets_sent;
        provenance_block->packets_received = provenance.packets_received;
    }
}

extern void irq_nested_call(void (*fn)(uint32_t), uint32_t arg);
static volatile uint32_t in_tick;

/* One tick, in SYS mode with interrupts on (packets keep arriving). */
static void run_tick(uint32_t t) {
    if (tick_callback) tick_callback(t);
    /* Cycles since the tick began; the timer's interrupt raised again means
     * the tick ran past its period (an overrun). */
    uint32_t cycles = tick_load - REG(TIMER_BASE, T1_COUNT);
    if (REG(TIMER_BASE, T1_RAW_INT) & 1u) {
        provenance.overruns++;
        cycles += tick_load;
    }
    if (cycles > provenance.max_cycles) provenance.max_cycles = cycles;
    if (t < profile_ticks) profile_rows[t] = cycles;
    provenance_write();
    rt_stack_check(t);  /* every stack's guard word intact (exception.c) */
}

static void __attribute__((interrupt("IRQ"))) timer_isr(void) {
    REG(TIMER_BASE, T1_INT_CLR) = 1;
    REG(VIC_BASE, VIC_VADDR) = 0;  /* end of interrupt before nesting */
    if (in_tick) {  /* the last tick is still running */
        provenance.overruns++;
        return;
    }
    if (!paused && !stopped) {
        in_tick = 1;
        irq_nested_call(run_tick, tick++);
        in_tick = 0;
    }
}

static void __attribute__((interrupt("IRQ"))) cc_mc_isr(void) {
    uint32_t status = REG(CC_BASE, CC_RSR);
    uint32_t payload = (status & CC_RSR_PAYLOAD) ? REG(CC_BASE, CC_RXDATA) : 0;
    uint32_t key = REG(CC_BASE, CC_RXKEY);  /* the read consumes the packet */
    provenance.packets_received++;
    if (packet_callback) packet_callback(key, payload);
    if (!running) provenance_write();  /* after the run: no tick writes it */
    REG(VIC_BASE, VIC_VADDR) = 0;
}

extern void vic_default_isr(void);

static void vic_slot(uint32_t slot, uint32_t line, void (*isr)(void)) {
    REG(VIC_BASE, VIC_ADDR(slot)) = (uint32_t) isr;
    REG(VIC_BASE, VIC_CNTL(slot)) = VIC_CNTL_ENABLE | line;
    REG(VIC_BASE, VIC_ENABLE) = 1u << line;
}

/* -- start-up (SVC mode, interrupts off) --------------------------------------- */

extern void iobuf_init(void);

void runtime_init(uint32_t app_word) {
    rt_app_id = app_word & 0xFF;
    app_flags = (app_word >> 8) & 0xFF;
    rt_phys_cpu = REG(DMA_BASE, DMA_STAT) >> 24;
    rt_virt_cpu = SV8(SV_P2V_MAP + rt_phys_cpu);
    rt_vcpu = (volatile vcpu_t *) (VCPU_BASE + sizeof(vcpu_t) * rt_virt_cpu);
    volatile uint8_t *bytes = (volatile uint8_t *) rt_vcpu;
    for (uint32_t i = 0; i < 112; i++) bytes[i] = 0;  /* user0-3 kept */
    rt_vcpu->phys_cpu = (uint8_t) rt_phys_cpu;
    rt_vcpu->app_id = (uint8_t) rt_app_id;
    rt_vcpu->time = SV32(SV_UNIX_TIME);
    rt_vcpu->sw_ver = SW_VER;
    extern const char app_name[];
    for (uint32_t i = 0; i < 15 && app_name[i]; i++) rt_vcpu->app_name[i] = app_name[i];
    iobuf_init();
    rt_state(CPU_STATE_WAIT);
    /* VIC (FIRMWARE.md 3 step 10-11). */
    REG(VIC_BASE, VIC_DISABLE) = 0xFFFFFFFFu;
    REG(VIC_BASE, VIC_SELECT) = 0;
    REG(VIC_BASE, VIC_VADDR) = 0;
    for (uint32_t n = 0; n < 16; n++) {
        REG(VIC_BASE, VIC_CNTL(n)) = 0;
        REG(VIC_BASE, VIC_ADDR(n)) = (uint32_t) vic_unconfigured_isr;
    }
    REG(VIC_BASE, VIC_DEFADDR) = (uint32_t) vic_default_isr;
    vic_slot(SLOT_CPU_INT, LINE_CPU_INT, cpu_int_isr);
}

/* -- the application's life (SYS mode, interrupts on) -------------------------- */

void runtime_main(void) {
    while (app_flags & 1u) cpu_wait_for_interrupt();  /* until SIG_START */
    rt_state(CPU_STATE_SARK);
    c_main();
    provenance_write();
    rt_state(CPU_STATE_EXIT);
    for (;;) cpu_wait_for_interrupt();  /* the monitor's pings are still answered */
}

void rt_on_tick(tick_callback_t callback) { tick_callback = callback; }
void rt_on_packet(packet_callback_t callback) { packet_callback = callback; }
void rt_on_pause(event_callback_t callback) { pause_callback = callback; }

void rt_run(uint32_t period_us) {
    provenance_block = (volatile provenance_t *) rt_vcpu->user2;
    uint32_t length;
    const profile_header_t *profile = region_or_null(REGION_PROFILE, &length);
    if (profile && provenance_block) {
        profile_rows = (volatile uint32_t *) (provenance_block + 1);
        profile_ticks = profile->ticks;
    }
    provenance_write();
    rt_state(CPU_STATE_RUN);
    tick_load = SV16(SV_CPU_CLK) * period_us;  /* cycles per tick (FIRMWARE.md 8) */
    REG(TIMER_BASE, T1_CONTROL) = 0;
    REG(TIMER_BASE, T1_INT_CLR) = 1;
    REG(TIMER_BASE, T1_LOAD) = tick_load;
    REG(TIMER_BASE, T1_BG_LOAD) = tick_load;
    vic_slot(SLOT_TIMER1, LINE_TIMER1, timer_isr);
    vic_slot(SLOT_CC_MC, LINE_CC_MC, cc_mc_isr);
    /* Sync0: the monitor clears our flag, then interrupts (FIRMWARE.md 5). */
    rt_state(CPU_STATE_SYNC0);
    while (REG(SC_BASE, SC_FLAG) & (1u << rt_virt_cpu)) cpu_wait_for_interrupt();
    rt_state(CPU_STATE_RUN);
    running = 1;
    REG(TIMER_BASE, T1_CONTROL) = T1_CONTROL_TICK;
    while (!stopped) cpu_wait_for_interrupt();
    REG(TIMER_BASE, T1_CONTROL) = 0;
    REG(VIC_BASE, VIC_DISABLE) = 1u << LINE_TIMER1;
    running = 0;
}

void rt_stop(void) { stopped = 1; }

void cc_send(uint32_t key, uint32_t payload) {
    uint32_t cpsr = cpu_int_disable();
    while (!(REG(CC_BASE, CC_TCR) & (1u << 28))) continue;  /* TX not full */
    REG(CC_BASE, CC_TCR) = CC_TCR_MC_PAYLOAD;
    REG(CC_BASE, CC_TXDATA) = payload;
    REG(CC_BASE, CC_TXKEY) = key;  /* the write sends it */
    provenance.packets_sent++;
    cpu_int_restore(cpsr);
}

/* -- runtime exceptions (CPU exceptions: exception.c) ---------------------------- */

void __attribute__((noreturn)) rt_enter_rte(uint32_t code) {
    cpu_int_disable();
    REG(VIC_BASE, VIC_DISABLE) = 0xFFFFFFFFu;
    REG(TIMER_BASE, T1_CONTROL) = 0;
    rt_vcpu->rt_code = (uint8_t) code;
    SV8(0x2B) = 8;  /* sv->led_period, as SARK does (FIRMWARE.md 3) */
    rt_state(CPU_STATE_RTE);
    for (;;) cpu_wait_for_interrupt();
}

extern void io_vprintf(const char *fmt, __builtin_va_list args);

void rt_error(uint32_t code, const char *fmt, ...) {
    __builtin_va_list args;
    __builtin_va_start(args, fmt);
    io_printf("RTE %u: ", code);
    io_vprintf(fmt, args);
    __builtin_va_end(args);
    io_printf("\n");
    rt_enter_rte(code);
}
