/* CPU exceptions and stack guards: what a core that faults writes to its
 * IOBUF before it stops in RTE (FIRMWARE.md 3 "Runtime errors", 4, 6).
 *
 * The ARM968E-S has no MMU or MPU, so no CP15 fault status or fault address
 * register: the address of a data abort is found by decoding the faulting
 * load or store with the registers saved at the abort.  The exception path
 * trusts nothing in DTCM but its own (SVC) stack: the core's vcpu block and
 * IOBUF are found again from the hardware and System RAM, since a stack that
 * ran down through .bss can have overwritten the variables that hold them.
 *
 * Stack guards: start.S fills the stack area with 0xDEADDEAD; the lowest
 * word of each mode's stack is its guard.  A stack that has grown past its
 * area has written its guard (the DTCM below the stacks is the heap and
 * .bss, where writes succeed silently), so the guards are checked at the end
 * of every tick (RTE 13 "stack overflow") and in this exception path. */
#include "runtime.h"

#define STACK_FILL 0xDEADDEADu

extern uint32_t __stack_bottom[], __sys_stack[], __fiq_stack[], __irq_stack[];
extern void iobuf_recover(void);
extern void rt_enter_rte(uint32_t code) __attribute__((noreturn));
/* From start.S: the sp and lr of another mode (CPSR mode bits) into out[0-1]. */
extern void rt_banked_sp_lr(uint32_t mode, uint32_t *out);

/* The modes' stacks from the bottom of DTCM up (spinnc.ld, FIRMWARE.md 3
 * step 5); the abort and undefined modes use the SVC stack. */
static const char *const stack_names[] = {"SYS", "FIQ", "IRQ", "SVC"};

static volatile uint32_t *stack_guard(uint32_t i) {
    switch (i) {
    case 0: return __stack_bottom;
    case 1: return __sys_stack;
    case 2: return __fiq_stack;
    default: return __irq_stack;
    }
}

/* The first stack (0-3, as stack_names) whose guard is overwritten, or 4. */
static uint32_t stack_overflowed(void) {
    uint32_t i = 0;
    while (i < 4 && *stack_guard(i) == STACK_FILL) i++;
    return i;
}

void rt_stack_check(uint32_t tick) {
    /* The tick's cost: four loads and compares. */
    if (((__stack_bottom[0] ^ STACK_FILL) | (__sys_stack[0] ^ STACK_FILL) |
         (__fiq_stack[0] ^ STACK_FILL) | (__irq_stack[0] ^ STACK_FILL)) == 0)
        return;
    uint32_t i = stack_overflowed();
    rt_error(RTE_SWERR, "stack overflow (%s stack): its lowest word at %08x is %08x, not "
             "%08x, at the end of tick %u", stack_names[i], (uint32_t) stack_guard(i),
             *stack_guard(i), STACK_FILL, tick);
}

/* The core's vcpu block again, from the DMA controller's core number and
 * sv->p2v_map (FIRMWARE.md 3 step 7-8), and its IOBUF. */
static void recover(void) {
    rt_phys_cpu = REG(DMA_BASE, DMA_STAT) >> 24;
    rt_virt_cpu = *(volatile uint8_t *) (SV_BASE + SV_P2V_MAP + rt_phys_cpu);
    rt_vcpu = (volatile vcpu_t *) (VCPU_BASE + sizeof(vcpu_t) * rt_virt_cpu);
    rt_app_id = rt_vcpu->app_id;
    iobuf_recover();
}

/* Register n (0-15) of the interrupted code, for an ARM instruction at pc. */
static uint32_t reg(uint32_t n, const uint32_t *regs, const uint32_t *sp_lr, uint32_t pc) {
    if (n < 13) return regs[n];
    if (n == 15) return pc + 8;
    return sp_lr[n - 13];
}

static uint32_t shifted(uint32_t insn, const uint32_t *regs, const uint32_t *sp_lr,
                        uint32_t pc, uint32_t spsr) {
    uint32_t value = reg(insn & 15u, regs, sp_lr, pc);
    uint32_t amount = (insn >> 7) & 31u;
    switch ((insn >> 5) & 3u) {
    case 0: return value << amount;
    case 1: return amount ? value >> amount : 0;
    case 2: return amount ? (uint32_t) ((int32_t) value >> amount)
                          : (uint32_t) ((int32_t) value >> 31);
    default: return amount ? value >> amount | value << (32 - amount)
                           : value >> 1 | (spsr & 0x20000000u) << 2;  /* RRX */
    }
}

/* The access an ARM load or store at pc makes: its first address, size in
 * bytes (LDM/STM: 4 x registers) and direction; 0 if it is not one. */
static uint32_t access(uint32_t insn, const uint32_t *regs, const uint32_t *sp_lr,
                       uint32_t pc, uint32_t spsr, uint32_t *address, uint32_t *load) {
    uint32_t base = reg((insn >> 16) & 15u, regs, sp_lr, pc);
    uint32_t up = insn & (1u << 23), pre = insn & (1u << 24);
    uint32_t offset, size;
    *load = (insn >> 20) & 1u;
    if ((insn & 0x0C000000u) == 0x04000000u) {  /* LDR, STR, LDRB, STRB */
        offset = insn & (1u << 25) ? shifted(insn, regs, sp_lr, pc, spsr) : insn & 0xFFFu;
        size = insn & (1u << 22) ? 1 : 4;
    } else if ((insn & 0x0E000090u) == 0x00000090u && (insn & 0x60u)) {  /* H, SB, SH, D */
        offset = insn & (1u << 22) ? ((insn >> 4) & 0xF0u) | (insn & 15u)
                                   : reg(insn & 15u, regs, sp_lr, pc);
        uint32_t sh = (insn >> 5) & 3u;
        size = sh == 1 ? 2 : sh == 2 && *load ? 1 : *load ? 2 : 8;
        if (!*load && sh >= 2) *load = sh == 2;  /* LDRD is L = 0, SH = 2 */
    } else if ((insn & 0x0E000000u) == 0x08000000u) {  /* LDM, STM */
        uint32_t n = 0;
        for (uint32_t list = insn & 0xFFFFu; list; list &= list - 1) n++;
        size = 4 * n;
        *address = up ? base + (pre ? 4 : 0) : base - size + (pre ? 0 : 4);
        return size;
    } else {
        return 0;
    }
    *address = pre ? (up ? base + offset : base - offset) : base;
    return size;
}

static const char *const exception_names[] = {
    "", "jump to address 0", "undefined instruction", "SVC", "prefetch abort",
    "data abort", "unexpected IRQ", "unexpected FIQ", "VIC", "abort",
};

/* From start.S (this mode's stack, interrupts off): regs holds r0-r12 and
 * the faulting address; spsr is the interrupted code's CPSR. */
void __attribute__((noreturn)) rt_exception(uint32_t code, uint32_t *regs, uint32_t spsr,
                                            uint32_t pc) {
    recover();
    uint32_t sp_lr[2];
    uint32_t mode = spsr & 0x1Fu;
    rt_banked_sp_lr(mode == 0x10u ? 0x1Fu : mode, sp_lr);  /* user mode: the SYS bank */
    for (int i = 0; i < 8; i++) rt_vcpu->r[i] = regs[i];
    rt_vcpu->psr = spsr;
    rt_vcpu->sp = (uint32_t) (regs + 14);
    rt_vcpu->lr = pc;
    io_printf("RTE %u: %s at pc %08x (cpsr %08x, sp %08x, lr %08x)", code,
              exception_names[code], pc, spsr, sp_lr[0], sp_lr[1]);
    uint32_t arm = !(spsr & 0x20u);
    uint32_t readable = pc < 0x8000u || (pc >= 0x400000u && pc < 0x410000u);  /* the TCMs */
    if ((code == RTE_UNDEF || code == RTE_DABT) && readable && !(pc & (arm ? 3u : 1u))) {
        uint32_t insn = arm ? *(volatile uint32_t *) pc : *(volatile uint16_t *) pc;
        uint32_t address, load, size;
        if (code == RTE_UNDEF) {
            io_printf(arm ? ": instruction %08x" : ": instruction %04x", insn);
        } else if (arm && (size = access(insn, regs, sp_lr, pc, spsr, &address, &load))) {
            static const char *const sizes[] = {"", "byte", "halfword", "", "word", "", "",
                                                "", "doubleword"};
            if (size <= 8 && sizes[size][0])
                io_printf(": a %s %s at %08x", sizes[size], load ? "read" : "write", address);
            else
                io_printf(": a %u-word %s at %08x", size / 4, load ? "read" : "write", address);
        }
    }
    uint32_t i = stack_overflowed();
    if (i < 4)
        io_printf("; stack overflow (%s stack: its lowest word at %08x is %08x)",
                  stack_names[i], (uint32_t) stack_guard(i), *stack_guard(i));
    io_printf("\n");
    rt_enter_rte(code);
}
