"""SpiNNaker1's address map as one application core sees it, for unicorn
(``spinnaker/FIRMWARE.md`` section 1).

Per core: ITCM (32 KiB at 0) and DTCM (64 KiB at 0x400000), mapped in the
core's own ``Uc``.  Per chip: SDRAM (128 MiB) and System RAM (32 KiB), each
one host buffer (an anonymous ``mmap``, so untouched pages cost nothing)
mapped at both its buffered and unbuffered base in every core of the chip
with ``mem_map_ptr``, so the cores and the engine share the bytes.
"""

import ctypes
import mmap
import struct

ITCM_BASE, ITCM_SIZE = 0x00000000, 0x8000
DTCM_BASE, DTCM_SIZE = 0x00400000, 0x10000
SDRAM_BASE, SDRAM_SIZE = 0x60000000, 0x08000000
SDRAM_UNBUFFERED = 0x70000000
SYSRAM_BASE, SYSRAM_SIZE = 0xE5000000, 0x8000
SYSRAM_UNBUFFERED = 0xF5000000

# SC&MP's boot defaults (FIRMWARE.md 1, from tools/boot/sark.struct and scamp-3.c).
SDRAM_USER = 0x60240000  # user SDRAM; the host's ALLOCs come from the heap after it
SDRAM_HEAP = 0x60640000
SDRAM_SYS = 0x67800000  # where an APLX is staged
SYS_HEAP = 0x67840000  # sv->sys_heap: IOBUF blocks
SYS_HEAP_END = 0x68000000
VCPU_BASE = 0xE5007000
VCPU_SIZE = 128
SV_BASE = 0xE5007F00


def _pointer(buffer: mmap.mmap) -> int:
    return ctypes.addressof(ctypes.c_char.from_buffer(buffer))


class ChipMemory:
    """SDRAM and System RAM of one chip, shared by its cores and the engine."""

    def __init__(self):
        self.sdram = mmap.mmap(-1, SDRAM_SIZE)
        self.sysram = mmap.mmap(-1, SYSRAM_SIZE)
        self._sdram_ptr = _pointer(self.sdram)
        self._sysram_ptr = _pointer(self.sysram)
        self._next = SDRAM_HEAP

    def map_into(self, uc) -> None:
        """Map both aliases of SDRAM and System RAM into a core's ``Uc``."""
        for base in (SDRAM_BASE, SDRAM_UNBUFFERED):
            uc.mem_map_ptr(base, SDRAM_SIZE, 7, self._sdram_ptr)
        for base in (SYSRAM_BASE, SYSRAM_UNBUFFERED):
            uc.mem_map_ptr(base, SYSRAM_SIZE, 7, self._sysram_ptr)

    def _where(self, address: int, length: int):
        for base in (SDRAM_BASE, SDRAM_UNBUFFERED):
            if base <= address and address + length <= base + SDRAM_SIZE:
                return self.sdram, address - base
        for base in (SYSRAM_BASE, SYSRAM_UNBUFFERED):
            if base <= address and address + length <= base + SYSRAM_SIZE:
                return self.sysram, address - base
        raise ValueError(f"{length} bytes at {address:#010x} are not in SDRAM or System RAM")

    def read(self, address: int, length: int) -> bytes:
        buffer, offset = self._where(address, length)
        return bytes(buffer[offset:offset + length])

    def write(self, address: int, data: bytes) -> None:
        buffer, offset = self._where(address, len(data))
        buffer[offset:offset + len(data)] = data

    def word(self, address: int) -> int:
        return struct.unpack("<I", self.read(address, 4))[0]

    def set_word(self, address: int, value: int) -> None:
        self.write(address, struct.pack("<I", value & 0xFFFFFFFF))

    def alloc(self, length: int) -> int:
        """A block of SDRAM for the host's data (word aligned, never freed)."""
        address = self._next
        self._next += (length + 7) & ~7
        if self._next > SDRAM_SYS:
            raise MemoryError(f"no SDRAM left for a block of {length} bytes")
        return address

    def close(self) -> None:
        self.sdram.close()
        self.sysram.close()
