"""Cycles of a basic block of ARM968E-S code, from the ARM9E-S family's
instruction timings (``spinnaker/FIRMWARE.md`` section 14: ARM DDI 0222B
table 8.2, ARM DDI 0165B chapter 8, GCC's arm926ejs.md; [E] where marked
there).  A core's ITCM image is disassembled once with capstone into a
per-word cost table (issue cycles plus the load-use or multiply interlock
with the next word), so a block's static cost is a difference of two
prefix sums; TCM accesses take one cycle, SDRAM and System RAM penalties are
added per access by the engine's memory hooks, and a not-taken conditional
branch at the end of a block is refunded when execution falls through.
The tables are for ARM state: spinnc's firmware is all ARM (``-marm``, and
libgcc's ARM multilib); Thumb code would be costed as if it were ARM.
"""

from functools import lru_cache

import numpy as np
from capstone import CS_ARCH_ARM, CS_MODE_ARM, CS_MODE_THUMB, Cs
from capstone import arm_const as A

#: An SDRAM or System RAM access over the TCM's one cycle: HARDWARE.md says
#: 20-30x a TCM access [C]; the low end, as an estimate [E].
SDRAM_ACCESS_CYCLES = 20
#: Taking an interrupt or exception (FIRMWARE.md 14: ~3) [E].
EXCEPTION_CYCLES = 3
#: A branch: pipeline refill (FIRMWARE.md 14) [P]; a failed condition costs 1.
BRANCH_CYCLES = 3

_BRANCHES = {A.ARM_INS_B, A.ARM_INS_BL, A.ARM_INS_BX, A.ARM_INS_BLX}
_LOAD_WORD = {A.ARM_INS_LDR, A.ARM_INS_LDRT}
_LOAD_SUB = {A.ARM_INS_LDRB, A.ARM_INS_LDRH, A.ARM_INS_LDRSB, A.ARM_INS_LDRSH,
             A.ARM_INS_LDRBT, A.ARM_INS_LDRHT, A.ARM_INS_LDRSBT, A.ARM_INS_LDRSHT}
_STORES = {A.ARM_INS_STR, A.ARM_INS_STRB, A.ARM_INS_STRH, A.ARM_INS_STRT, A.ARM_INS_STRBT,
           A.ARM_INS_STRHT}
_LDM = {A.ARM_INS_LDM, A.ARM_INS_LDMDA, A.ARM_INS_LDMDB, A.ARM_INS_LDMIB, A.ARM_INS_POP}
_STM = {A.ARM_INS_STM, A.ARM_INS_STMDA, A.ARM_INS_STMDB, A.ARM_INS_STMIB, A.ARM_INS_PUSH}
_MUL = {A.ARM_INS_MUL, A.ARM_INS_MLA, A.ARM_INS_MLS}
_LONG_MUL = {A.ARM_INS_SMULL, A.ARM_INS_UMULL, A.ARM_INS_SMLAL, A.ARM_INS_UMLAL}
_DSP_MUL = {A.ARM_INS_SMULBB, A.ARM_INS_SMULBT, A.ARM_INS_SMULTB, A.ARM_INS_SMULTT,
            A.ARM_INS_SMULWB, A.ARM_INS_SMULWT, A.ARM_INS_SMLABB, A.ARM_INS_SMLABT,
            A.ARM_INS_SMLATB, A.ARM_INS_SMLATT, A.ARM_INS_SMLAWB, A.ARM_INS_SMLAWT}
_DSP_LONG = {A.ARM_INS_SMLALBB, A.ARM_INS_SMLALBT, A.ARM_INS_SMLALTB, A.ARM_INS_SMLALTT}
_LOGICAL = {A.ARM_INS_AND, A.ARM_INS_ORR, A.ARM_INS_EOR, A.ARM_INS_BIC, A.ARM_INS_MOV,
            A.ARM_INS_MVN}


@lru_cache(maxsize=2)
def _disassembler(thumb: bool) -> Cs:
    md = Cs(CS_ARCH_ARM, CS_MODE_THUMB if thumb else CS_MODE_ARM)
    md.detail = True
    return md


def _regs_written(insn) -> set:
    return set(insn.regs_access()[1])


def _regs_read(insn) -> set:
    return set(insn.regs_access()[0])


_SHIFTS = {A.ARM_INS_LSL, A.ARM_INS_LSR, A.ARM_INS_ASR, A.ARM_INS_ROR}


def _shift_by_register(insn) -> bool:
    """A register-specified shift: ``mov r0, r1, lsl r2`` (capstone's ``lsl r0,
    r1, r2``) or a shifted register operand."""
    if insn.id in _SHIFTS and insn.operands and insn.operands[-1].type == A.ARM_OP_REG:
        return len(insn.operands) == 3
    return any(op.type == A.ARM_OP_REG and op.shift.type in (
        A.ARM_SFT_ASR_REG, A.ARM_SFT_LSL_REG, A.ARM_SFT_LSR_REG, A.ARM_SFT_ROR_REG,
        A.ARM_SFT_RRX_REG) for op in insn.operands)


def _cost(insn) -> tuple[int, int]:
    """(issue cycles, result latency beyond the next cycle) of one instruction."""
    i = insn.id
    written = _regs_written(insn)
    writes_pc = A.ARM_REG_PC in written
    if i in _BRANCHES:
        return BRANCH_CYCLES, 0
    if i in _LOAD_WORD:
        return (5, 0) if writes_pc else (1, 1)
    if i in _LOAD_SUB:
        return 1, 2
    if i in (A.ARM_INS_LDRD,):
        return 2, 1
    if i in (A.ARM_INS_STRD,):
        return 2, 0
    if i in _STORES:
        return 1, 0
    if i in _LDM:
        n = len(insn.operands) - (0 if i == A.ARM_INS_POP else 1)
        base = 2 if n == 1 else n
        return (base + 4, 0) if writes_pc else (base, 1)
    if i in _STM:
        n = len(insn.operands) - (0 if i == A.ARM_INS_PUSH else 1)
        return (2 if n == 1 else n), 0
    if i in _MUL:
        return (3, 1) if insn.update_flags else (2, 1)
    if i in _LONG_MUL:
        return (4, 1) if insn.update_flags else (3, 1)
    if i in _DSP_MUL:
        return 1, 1
    if i in _DSP_LONG:
        return 2, 1
    if i in (A.ARM_INS_QADD, A.ARM_INS_QSUB, A.ARM_INS_QDADD, A.ARM_INS_QDSUB):
        return 1, 1
    if i == A.ARM_INS_MSR:
        return 3, 0  # [E]; a flags-only write costs 1, counted as 3 here
    if i in (A.ARM_INS_MCR, A.ARM_INS_MRC):
        return 2, 0
    if i in (A.ARM_INS_SVC,):
        return 3, 0
    shift = int(_shift_by_register(insn))
    if writes_pc:
        return (4 if i in _LOGICAL or shift else 3), 0
    return 1 + shift, 0


def instruction_costs(image: bytes, words: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-word costs of an ARM code image loaded at 0, for ``words`` words
    (the image zero-padded): ``prefix[i]`` is the cycles of words ``0..i-1``
    (so a block from word a to word b costs ``prefix[b] - prefix[a]``), each
    word's issue cycles plus its interlock with the next word, and
    ``refund[i]`` what a conditional branch at word ``i`` that falls through
    gives back (its refill is not paid; a failed condition costs one cycle),
    applied when the next block starts at the fall-through address.  Words that are not instructions
    (literal pools, padding) cost 1; they are never executed."""
    used = min(words, -(-len(image) // 4))  # zero words after the image cost 1 (andeq)
    code = bytes(image[:4 * used]).ljust(4 * used, b"\0")
    md = _disassembler(False)
    insns = []
    for i in range(used):
        found = list(md.disasm(code[4 * i:4 * i + 4], 4 * i, 1))
        insns.append(found[0] if found else None)
    insns.append(None)  # what follows the image: not an instruction that waits
    cost = np.ones(words, dtype=np.uint32)
    refund = np.zeros(words, dtype=np.uint8)
    for i, insn in enumerate(insns[:used]):
        if insn is None:
            continue
        issue, latency = _cost(insn)
        following = insns[i + 1]
        if latency and following is not None and _regs_written(insn) & _regs_read(following):
            issue += latency
        cost[i] = issue
        if insn.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID) and _cost(insn)[0] > 1:
            refund[i] = _cost(insn)[0] - 1
    prefix = np.zeros(words + 1, dtype=np.uint32)
    np.cumsum(cost, out=prefix[1:])
    return prefix, refund
