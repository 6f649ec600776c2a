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
 * abort. */
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
} hook_state_t;

typedef int (*emu_stop_t)(void *uc);
typedef int (*reg_read_t)(void *uc, int regid, void *value);

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
