/* The ARM engine's per-block and per-access hooks in C (engine.py builds
 * this with the host's C compiler and registers the functions with unicorn
 * directly; without a compiler the engine runs the same hooks in Python).
 *
 * Cycles come from a per-word table of the core's ITCM image (timing.py:
 * each ARM instruction's issue cycles plus the interlock with the next
 * word), summed over the block; a conditional branch ending a block is
 * refunded when the next block starts at its fall-through address.  SDRAM
 * and System RAM accesses add a penalty; any access of a size it is not
 * aligned to stops the core with a fault for the engine to raise as a data
 * abort.  Below them: the VIC, timer 1 and communications controller as MMIO
 * callbacks, and core_run, the engine's run loop (interrupt entry and
 * uc_emu_start until the core sleeps), so a tick costs Python one call per
 * core and packet. */
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t cycles;
    uint64_t instructions;
    uint64_t limit;  /* cycles after which the core is stopped (a runaway) */
    uint64_t fall;  /* the last block's fall-through address */
    uint64_t fault_address;
    uint64_t outside;  /* bytes of blocks outside the cost table */
    const uint32_t *prefix;  /* prefix[i]: cycles of words 0..i-1 */
    const uint8_t *refund;  /* per word */
    void *emu_stop;  /* uc_emu_stop */
    void *reg_read;  /* uc_reg_read */
    uint32_t n_words;
    uint32_t last_refund;
    uint32_t penalty;  /* extra cycles of an SDRAM or System RAM access */
    uint32_t fault;  /* 1: unaligned access, 2: runaway */
    uint32_t fault_pc;
    uint32_t pc_register;  /* UC_ARM_REG_PC */
    /* core_run's */
    void *reg_write;  /* uc_reg_write */
    void *emu_start;  /* uc_emu_start */
    uint32_t regs[4];  /* UC_ARM_REG_CPSR, _SPSR, _LR, _PC */
    uint32_t exception_cycles;
    uint32_t asleep;  /* the core is in WFI */
    uint32_t intr;  /* the exception unicorn raised (its interrupt hook), 0: none */
    uint32_t intr_pc;
    uint32_t check_tcm;  /* data_hook checks DTCM accesses' alignment */
} hook_state_t;

typedef int (*emu_stop_t)(void *uc);
typedef int (*reg_read_t)(void *uc, int regid, void *value);
typedef int (*reg_write_t)(void *uc, int regid, const void *value);
typedef int (*emu_start_t)(void *uc, uint64_t begin, uint64_t until, uint64_t timeout,
                           size_t count);

void block_hook(void *uc, uint64_t address, uint32_t size, hook_state_t *s) {
    if (address == s->fall) s->cycles -= s->last_refund;
    uint64_t first = address >> 2, last = (address + size + 3) >> 2;
    if (last <= s->n_words && last > first) {
        s->cycles += s->prefix[last] - s->prefix[first];
        s->instructions += last - first;
        s->last_refund = s->refund[last - 1];
    } else {
        s->cycles += (size + 3) / 4;
        s->instructions += (size + 3) / 4;
        s->outside += size;
        s->last_refund = 0;
    }
    s->fall = address + size;
    if (s->cycles > s->limit && !s->fault) {
        s->fault = 2;
        ((emu_stop_t) s->emu_stop)(uc);
    }
}

static void unaligned(void *uc, uint64_t address, hook_state_t *s) {
    if (!s->fault) {
        s->fault = 1;
        s->fault_address = address;
        ((reg_read_t) s->reg_read)(uc, (int) s->pc_register, &s->fault_pc);
    }
    ((emu_stop_t) s->emu_stop)(uc);
}

void slow_hook(void *uc, int type, uint64_t address, int size, int64_t value,
               hook_state_t *s) {
    s->cycles += s->penalty;
    if (address & (uint64_t) (size - 1)) unaligned(uc, address, s);
}

void tcm_hook(void *uc, int type, uint64_t address, int size, int64_t value,
              hook_state_t *s) {
    if (address & (uint64_t) (size - 1)) unaligned(uc, address, s);
}

/* slow_hook and tcm_hook in one, for one hook over DTCM to System RAM's
 * unbuffered alias instead of five: the same counts and checks, one callback
 * an access fewer to look up. */
void data_hook(void *uc, int type, uint64_t address, int size, int64_t value,
               hook_state_t *s) {
    if (address - 0x60000000u < 0x08000000u || address - 0x70000000u < 0x08000000u
            || address - 0xE5000000u < 0x8000u || address - 0xF5000000u < 0x8000u) {
        s->cycles += s->penalty;
    } else if (!(s->check_tcm && address - 0x00400000u < 0x10000u)) {
        return;
    }
    if (address & (uint64_t) (size - 1)) unaligned(uc, address, s);
}

/* The peripherals the firmware touches every tick, as unicorn MMIO
 * callbacks in C: the VIC (PL190), timer 1 and the communications
 * controller of one core, line for line the Python classes of
 * peripherals.py (which document them and run without a compiler).  Packets
 * sent go to an outbox the engine empties after each run (a run that sends
 * more than it holds is reported by the engine as an error). */

enum { LINE_TIMER1 = 4, LINE_CC_RDY = 6, LINE_CC_MC = 24 };
enum { DEFAULT_PRIORITY = 16, NOTHING_IN_SERVICE = 17 };

typedef struct {
    hook_state_t *core;  /* cycles */
    uint32_t *outbox;  /* (key, payload, has payload) per packet */
    uint32_t out_n, out_cap;
    /* VIC */
    uint32_t raw, soft, enable, select;
    uint32_t vect_addr[16], vect_cntl[16];
    uint32_t default_addr, priority, depth;
    uint32_t stack[32];
    /* timer 1 */
    uint32_t load, bg_load, control, t_raw;
    uint64_t started;
    /* communications controller */
    uint32_t tcr, tx_data, rx_full, rx_key, rx_payload, rx_has_payload;
    uint32_t overflow;  /* packets the outbox had no room for (never expected) */
} periph_t;


void vic_set_line(periph_t *p, int line, int level) {
    if (level) p->raw |= 1u << line;
    else p->raw &= ~(1u << line);
}

static uint32_t irq_status(const periph_t *p) {
    return (p->raw | p->soft) & p->enable & ~p->select;
}

static uint32_t fiq_status(const periph_t *p) {
    return (p->raw | p->soft) & p->enable & p->select;
}

/* The highest-priority active IRQ: 0 if none, else 1 with *n and *addr. */
static int vic_active(const periph_t *p, uint32_t *n, uint32_t *addr) {
    uint32_t status = irq_status(p);
    if (!status) return 0;
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t cntl = p->vect_cntl[i];
        if ((cntl & 0x20) && (status >> (cntl & 31) & 1)) {
            *n = i;
            *addr = p->vect_addr[i];
            return 1;
        }
    }
    *n = DEFAULT_PRIORITY;
    *addr = p->default_addr;
    return 1;
}

int vic_irq(const periph_t *p) {
    uint32_t n, addr;
    return vic_active(p, &n, &addr) && n < p->priority;
}

int vic_fiq(const periph_t *p) { return fiq_status(p) != 0; }

uint64_t vic_read(void *uc, uint64_t offset, unsigned size, periph_t *p) {
    offset &= ~(uint64_t) 3;
    uint32_t n, addr;
    switch (offset) {
    case 0x00: return irq_status(p);
    case 0x04: return fiq_status(p);
    case 0x08: return p->raw | p->soft;
    case 0x0C: return p->select;
    case 0x10: return p->enable;
    case 0x18: return p->soft;
    case 0x30:  /* VectAddr: acknowledge the highest-priority active IRQ */
        if (!vic_active(p, &n, &addr) || n >= p->priority) return p->default_addr;
        if (p->depth < 32) p->stack[p->depth++] = p->priority;
        p->priority = n;
        return addr;
    case 0x34: return p->default_addr;
    }
    if (offset >= 0x100 && offset < 0x140) return p->vect_addr[(offset - 0x100) / 4];
    if (offset >= 0x200 && offset < 0x240) return p->vect_cntl[(offset - 0x200) / 4];
    return 0;
}

void vic_write(void *uc, uint64_t offset, unsigned size, uint64_t value, periph_t *p) {
    offset &= ~(uint64_t) 3;
    uint32_t v = (uint32_t) value;
    switch (offset) {
    case 0x0C: p->select = v; return;
    case 0x10: p->enable |= v; return;
    case 0x14: p->enable &= ~v; return;
    case 0x18: p->soft |= v; return;
    case 0x1C: p->soft &= ~v; return;
    case 0x30:  /* end of interrupt */
        p->priority = p->depth ? p->stack[--p->depth] : NOTHING_IN_SERVICE;
        return;
    case 0x34: p->default_addr = v; return;
    }
    if (offset >= 0x100 && offset < 0x140) p->vect_addr[(offset - 0x100) / 4] = v;
    else if (offset >= 0x200 && offset < 0x240) p->vect_cntl[(offset - 0x200) / 4] = v;
}

static int timer_running(const periph_t *p) {
    return (p->control & 0x80) && (p->control & 0x20);
}

void timer_tick(periph_t *p) {
    p->started = p->core->cycles;
    p->t_raw = 1;
    vic_set_line(p, LINE_TIMER1, 1);
}

uint64_t timer_read(void *uc, uint64_t offset, unsigned size, periph_t *p) {
    offset &= ~(uint64_t) 3;
    uint64_t period = p->bg_load ? p->bg_load : p->load ? p->load : 1;
    uint64_t elapsed = p->core->cycles - p->started;
    switch (offset) {
    case 0x00: return p->load;
    case 0x04: return (uint32_t) (period - elapsed % period);
    case 0x08: return p->control;
    case 0x10: case 0x14: {
        int raw = p->t_raw || (timer_running(p) && elapsed >= period);
        return (offset == 0x10 || (p->control & 0x20)) ? (uint64_t) raw : 0;
    }
    case 0x18: return p->bg_load;
    }
    return 0;
}

void timer_write(void *uc, uint64_t offset, unsigned size, uint64_t value, periph_t *p) {
    offset &= ~(uint64_t) 3;
    switch (offset) {
    case 0x00: p->load = (uint32_t) value; p->started = p->core->cycles; return;
    case 0x08: p->control = (uint32_t) value & 0xFF; return;
    case 0x0C: p->t_raw = 0; vic_set_line(p, LINE_TIMER1, 0); return;
    case 0x18: p->bg_load = (uint32_t) value; return;
    }
}

int cc_receive(periph_t *p, uint32_t key, uint32_t payload, int has_payload) {
    if (p->rx_full) return 0;
    p->rx_full = 1;
    p->rx_key = key;
    p->rx_payload = payload;
    p->rx_has_payload = has_payload;
    vic_set_line(p, LINE_CC_RDY, 1);
    vic_set_line(p, LINE_CC_MC, 1);
    return 1;
}

uint64_t cc_read(void *uc, uint64_t offset, unsigned size, periph_t *p) {
    offset &= ~(uint64_t) 3;
    switch (offset) {
    case 0x00: return (p->tcr & 0x00FF0000u) | 1u << 31 | 1u << 28;
    case 0x0C:
        if (!p->rx_full) return 0;
        return 1u << 31 | 1u << 28 | (p->rx_has_payload ? 0x02u : 0u) << 16 | 1u;
    case 0x10: return p->rx_full && p->rx_has_payload ? p->rx_payload : 0;
    case 0x14:
        if (!p->rx_full) return 0;
        p->rx_full = 0;
        vic_set_line(p, LINE_CC_RDY, 0);
        vic_set_line(p, LINE_CC_MC, 0);
        return p->rx_key;
    }
    return 0;
}

void cc_write(void *uc, uint64_t offset, unsigned size, uint64_t value, periph_t *p) {
    offset &= ~(uint64_t) 3;
    switch (offset) {
    case 0x00: p->tcr = (uint32_t) value; return;
    case 0x04: p->tx_data = (uint32_t) value; return;
    case 0x08: {
        int has = (p->tcr & 0x00020000u) != 0;
        if (p->out_n >= p->out_cap) {
            p->overflow++;
            return;
        }
        uint32_t *out = p->outbox + 3 * p->out_n++;
        out[0] = (uint32_t) value;
        out[1] = has ? p->tx_data : 0;
        out[2] = has;
        return;
    }
    }
}

/* Unicorn's interrupt hook: an exception the CPU raised (SVC, undefined
 * instruction, abort); the first of a run is kept for the engine. */
void intr_hook(void *uc, uint32_t number, hook_state_t *s) {
    if (!s->intr) {
        s->intr = number;
        ((reg_read_t) s->reg_read)(uc, (int) s->pc_register, &s->intr_pc);
    }
    ((emu_stop_t) s->emu_stop)(uc);
}

enum { CPSR, SPSR, LR, PC };
enum { MODE_FIQ = 0x11, MODE_IRQ = 0x12, I_BIT = 0x80, F_BIT = 0x40, T_BIT = 0x20 };

static uint32_t reg(void *uc, hook_state_t *s, int which) {
    uint32_t value = 0;
    ((reg_read_t) s->reg_read)(uc, (int) s->regs[which], &value);
    return value;
}

static void set_reg(void *uc, hook_state_t *s, int which, uint32_t value) {
    ((reg_write_t) s->reg_write)(uc, (int) s->regs[which], &value);
}

/* Take an interrupt: SPSR = CPSR, the mode's LR, ARM state, IRQ off (the
 * engine's ArmCore._enter). */
static void enter(void *uc, hook_state_t *s, uint32_t mode, uint32_t vector, int mask_fiq) {
    uint32_t lr = reg(uc, s, PC) + 4;
    uint32_t cpsr = reg(uc, s, CPSR);
    uint32_t mode_bits = (cpsr & ~0xFFu) | I_BIT | mode | (mask_fiq ? F_BIT : cpsr & F_BIT);
    set_reg(uc, s, CPSR, mode_bits);
    set_reg(uc, s, SPSR, cpsr);
    set_reg(uc, s, LR, lr);
    set_reg(uc, s, PC, vector);
    s->cycles += s->exception_cycles;
    s->asleep = 0;
}

/* ArmCore.run's loop without its fault handling: take the interrupts the
 * VIC raises, run the core until it sleeps, until it sleeps with nothing to
 * take (0).  Returns 1 when unicorn stops with an error (*status), 2 when a
 * hook found a fault (s->fault or s->intr), for the engine to handle and
 * call again; after_fault: the engine has just entered an exception
 * handler, run it before looking at the interrupts. */
int core_run(void *uc, hook_state_t *s, periph_t *p, int after_fault, int *status) {
    for (;;) {
        if (!after_fault) {
            uint32_t cpsr = reg(uc, s, CPSR);
            if (!(cpsr & F_BIT) && vic_fiq(p)) {
                enter(uc, s, MODE_FIQ, 0x1C, 1);
            } else if (!(cpsr & I_BIT) && vic_irq(p)) {
                enter(uc, s, MODE_IRQ, 0x18, 0);
            } else if (s->asleep) {
                if (!(vic_irq(p) || vic_fiq(p))) return 0;
                s->asleep = 0;  /* WFI wakes on a masked interrupt too */
            }
        }
        after_fault = 0;
        uint64_t pc = reg(uc, s, PC);
        if (reg(uc, s, CPSR) & T_BIT) pc |= 1;
        s->fall = UINT64_MAX;
        int error = ((emu_start_t) s->emu_start)(uc, pc, 0xFFFFFFFFu, 0, 0);
        if (error) {
            *status = error;
            return 1;
        }
        if (s->fault || s->intr) return 2;
        s->asleep = 1;  /* emu_start returns at WFI */
    }
}
