"""The monitor's side of running applications, as SC&MP 4.0 does it for the
engine's cores (``spinnaker/FIRMWARE.md`` sections 1, 2, 4-6): the system
variables and the system heap an application reads, the vcpu blocks, the
APLX loader, signals by mailbox and CPU interrupt, and IOBUF text.
"""

import struct

from ...formats.aplx import ACOPY, EXEC, FILL, RCOPY, RECORD
from .memory import (SDRAM_HEAP, SDRAM_SYS, SDRAM_USER, SV_BASE, SYS_HEAP, SYS_HEAP_END,
                     VCPU_BASE, VCPU_SIZE, ChipMemory)

# sv_t offsets (FIRMWARE.md 1, 3, 6, 8; HOST_PROTOCOL.md).
SV_P2P_ADDR, SV_UNIX_TIME, SV_CPU_CLK = 0x00, 0x1C, 0x24
SV_SDRAM_HEAP, SV_IOBUF_SIZE, SV_P2V_MAP = 0x4C, 0x50, 0x94
SV_SDRAM_SYS, SV_VCPU_BASE, SV_SYS_HEAP, SV_SW_VER = 0xC8, 0xCC, 0xD0, 0xFC
SV_SDRAM_BASE = 0x58  # sv->sdram_base [C sark.struct]
SV_SHM_ROOT, SV_MBOX_FLAGS = 0x68, 0xEC  # FIRMWARE.md 5
SHM_BUFFERS = 7  # sv->num_buf default [C]
SHM_BASE = 0xE5000100  # the shared SDP buffers, in System RAM's heap
SDP_BYTES = 292  # sdp_msg_t with its padding (FIRMWARE.md 5)
SDP_STRIDE = 296
CPU_CLK_MHZ = 200  # sv->cpu_clk at boot [C]
IOBUF_SIZE = 16384  # sv->iobuf_size default [C]
SW_VER = 0x040000
N_CORES = 18

# vcpu_t offsets (FIRMWARE.md 4).
VCPU_RT_CODE, VCPU_STATE, VCPU_APP_ID = 44, 46, 47
VCPU_MBOX_AP_MSG, VCPU_MBOX_MP_MSG, VCPU_MBOX_AP_CMD, VCPU_MBOX_MP_CMD = 48, 52, 56, 57
MBOX_MSG = 1
VCPU_APP_NAME, VCPU_IOBUF, VCPU_USER0 = 72, 88, 112
MBOX_SIGNAL = 3

# Core states and signals (FIRMWARE.md 4, 5).
STATE_NAMES = {0: "DEAD", 1: "PWRDN", 2: "RTE", 3: "WDOG", 4: "INIT", 5: "WAIT", 6: "SARK",
               7: "RUN", 8: "SYNC0", 9: "SYNC1", 10: "PAUSED", 11: "EXIT", 15: "IDLE"}
RTE, INIT, WAIT, RUN, SYNC0, PAUSED, EXIT = 2, 4, 5, 7, 8, 10, 11
SIG_START, SIG_PAUSE, SIG_CONT = 3, 6, 7
RTE_NAMES = {1: "jump to address 0", 2: "undefined instruction", 3: "SVC", 4: "prefetch abort",
             5: "data abort", 6: "IRQ", 7: "FIQ", 8: "VIC", 9: "abort", 10: "malloc",
             11: "divide by 0", 12: "event", 13: "software error", 14: "IOBUF", 15: "enable",
             16: "null", 17: "packet", 18: "timer", 19: "API", 20: "version"}

LOADER_STEP = 32  # the loader moves 32 bytes per step, at least one step (FIRMWARE.md 2)
LOADER_SP = 0x0040FFE8  # sp at EXEC
APLX_WAIT = 1  # flags bit 0: wait for SIG_START


def vcpu_address(virtual: int) -> int:
    return VCPU_BASE + VCPU_SIZE * virtual


def boot_chip(memory: ChipMemory, x: int, y: int, unix_time: int = 0) -> None:
    """System variables and the system heap as SC&MP leaves them after boot
    (identity physical-to-virtual core map; the monitor is core 0)."""
    sv = bytearray(256)
    struct.pack_into("<H", sv, SV_P2P_ADDR, x << 8 | y)
    struct.pack_into("<I", sv, SV_UNIX_TIME, unix_time)
    struct.pack_into("<H", sv, SV_CPU_CLK, CPU_CLK_MHZ)
    struct.pack_into("<I", sv, SV_SDRAM_HEAP, SDRAM_HEAP)
    struct.pack_into("<I", sv, SV_IOBUF_SIZE, IOBUF_SIZE)
    struct.pack_into("<I", sv, SV_SDRAM_BASE, SDRAM_USER)
    sv[SV_P2V_MAP:SV_P2V_MAP + N_CORES] = bytes(range(N_CORES))
    struct.pack_into("<I", sv, SV_SDRAM_SYS, SDRAM_SYS)
    struct.pack_into("<I", sv, SV_VCPU_BASE, VCPU_BASE)
    struct.pack_into("<I", sv, SV_SYS_HEAP, SYS_HEAP)
    struct.pack_into("<I", sv, SV_SW_VER, SW_VER)
    memory.write(SV_BASE, bytes(sv))
    # The shared SDP buffers on sv->shm_root's free list.
    for i in range(SHM_BUFFERS):
        following = SHM_BASE + SDP_STRIDE * (i + 1) if i + 1 < SHM_BUFFERS else 0
        memory.set_word(SHM_BASE + SDP_STRIDE * i, following)
    memory.write(SV_BASE + SV_SHM_ROOT, struct.pack("<IHH", SHM_BASE, SHM_BUFFERS,
                                                    SHM_BUFFERS))
    # heap_t {free, first, last, free_bytes}, one free block up to the end
    # marker (FIRMWARE.md 6).
    first, last = SYS_HEAP + 16, SYS_HEAP_END - 8
    memory.write(SYS_HEAP, struct.pack("<IIII", first, first, last, last - first - 8))
    memory.write(first, struct.pack("<II", last, 0))
    memory.write(last, struct.pack("<II", 0, 0))


def stage_and_load(uc, memory: ChipMemory, binary: bytes) -> int:
    """Stage an APLX at sdram_sys and run its records as the loader does
    (whole 32-byte steps); returns the EXEC address."""
    memory.write(SDRAM_SYS, binary)
    offset = 0
    while offset + RECORD.size <= len(binary):
        op, a, b, c = RECORD.unpack_from(binary, offset)
        here = SDRAM_SYS + offset
        if op in (ACOPY, RCOPY):
            source = b if op == ACOPY else here + b
            extent = max(LOADER_STEP, -(-c // LOADER_STEP) * LOADER_STEP)
            uc.mem_write(a, bytes(uc.mem_read(source, extent)))
        elif op == FILL:
            extent = max(LOADER_STEP, -(-b // LOADER_STEP) * LOADER_STEP)
            uc.mem_write(a, struct.pack("<I", c) * (extent // 4))
        elif op == EXEC:
            return a
        else:
            break
        offset += RECORD.size
    raise ValueError("the APLX binary has no EXEC record")


def prepare_vcpu(memory: ChipMemory, virtual: int, app_id: int, users, unix_time=0) -> None:
    """What the host and the monitor write before a core starts: user0-3,
    then state INIT, time and app id (FIRMWARE.md 2 step 4)."""
    base = vcpu_address(virtual)
    memory.write(base, bytes(VCPU_USER0))
    memory.write(base + VCPU_USER0, struct.pack("<4I", *users))
    memory.write(base + VCPU_STATE, bytes([INIT, app_id]))
    memory.set_word(base + 68, unix_time)


def state(memory: ChipMemory, virtual: int) -> int:
    return memory.read(vcpu_address(virtual) + VCPU_STATE, 1)[0]


def rt_code(memory: ChipMemory, virtual: int) -> int:
    return memory.read(vcpu_address(virtual) + VCPU_RT_CODE, 1)[0]


def user(memory: ChipMemory, virtual: int, n: int) -> int:
    return memory.word(vcpu_address(virtual) + VCPU_USER0 + 4 * n)


def post_signal(memory: ChipMemory, virtual: int, number: int) -> None:
    """A signal in the core's mailbox (the CPU interrupt follows)."""
    base = vcpu_address(virtual)
    memory.set_word(base + VCPU_MBOX_AP_MSG, number)
    memory.write(base + VCPU_MBOX_AP_CMD, bytes([MBOX_SIGNAL]))


def iobuf(memory: ChipMemory, virtual: int, limit: int = 64) -> str:
    """A core's IOBUF text: the chain of blocks from vcpu iobuf, ptr bytes
    of each (FIRMWARE.md 6)."""
    address = memory.word(vcpu_address(virtual) + VCPU_IOBUF)
    size = memory.word(SV_BASE + SV_IOBUF_SIZE)
    text = []
    while address and limit:
        following, _, _, ptr = struct.unpack("<4I", memory.read(address, 16))
        text.append(memory.read(address + 16, min(ptr, size)))
        address, limit = following, limit - 1
    return b"".join(text).decode("ascii", errors="replace")


def send_sdp(memory: ChipMemory, virtual: int, args, data: bytes, port: int = 1) -> None:
    """An SDP message for a core, as SC&MP delivers one: a shared buffer off
    sv->shm_root, the mailbox MSG with its address (the CPU interrupt
    follows); the core returns the buffer."""
    head, count, most = struct.unpack("<IHH", memory.read(SV_BASE + SV_SHM_ROOT, 8))
    if head == 0:
        raise RuntimeError(f"no shared SDP buffer free for core {virtual}: it did not "
                           "return the last ones")
    following = memory.word(head)
    memory.write(SV_BASE + SV_SHM_ROOT, struct.pack("<IHH", following, count - 1, most))
    if len(data) > 256:
        raise ValueError(f"an SDP message carries at most 256 bytes, not {len(data)}")
    header = struct.pack("<IHHBBBBHHHHIII", 0, 24 + len(data), 0, 0x07, 0xFF,
                         port << 5 | virtual, 0xFF, 0, 0, 0, 0, *args)
    memory.write(head, header + data)
    base = vcpu_address(virtual)
    memory.set_word(base + VCPU_MBOX_AP_MSG, head)
    memory.write(base + VCPU_MBOX_AP_CMD, bytes([MBOX_MSG]))


def take_sdp(memory: ChipMemory, virtual: int) -> bytes | None:
    """The message a core left for the monitor (its bytes from flags on, as
    long as its length says), or None; the mailbox is cleared as SC&MP
    does."""
    base = vcpu_address(virtual)
    if memory.read(base + VCPU_MBOX_MP_CMD, 1)[0] != MBOX_MSG:
        return None
    address = memory.word(base + VCPU_MBOX_MP_MSG)
    length = struct.unpack("<H", memory.read(address + 4, 2))[0]
    message = memory.read(address + 8, min(length, 8 + 16 + 256))
    memory.write(base + VCPU_MBOX_MP_CMD, b"\0")
    flags = memory.word(SV_BASE + SV_MBOX_FLAGS)
    memory.set_word(SV_BASE + SV_MBOX_FLAGS, flags & ~(1 << virtual))
    return bytes(message)
