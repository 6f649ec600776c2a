"""A virtual chip's state as SC&MP keeps it: the memory the host can reach
(system variables, vcpu blocks, router registers, SDRAM), its SDRAM and
router-entry allocators, its multicast router table and IP tags, and how
a core checks its data when it starts.
"""

import struct
import time
from collections.abc import Callable

import numpy as np

from ..arch import SPINN1
from .. import firmware
from ..formats.iptag import IPTagEntry as IPTag
from ..formats.router_entry import ENTRY
from ..formats.scp import (IOBUF_HEADER, ROUTER_CONTROL, SDRAM_SYS, SV_BASE, SV_HW_VER,
                        SV_IOBUF_SIZE, SV_P2P_ADDR, SV_P2P_DIMS, SV_ROOT_CHIP, SV_SDRAM_SYS,
                        SV_SIZE, SV_UNIX_TIME, SV_VCPU_BASE, VCPU_APP_ID, VCPU_APP_NAME,
                        VCPU_BASE, VCPU_IOBUF, VCPU_SIZE, VCPU_STATE, VCPU_USER, State)
from .. import apps
from ..regions import TABLE_ENTRY, TABLE_HEADER, Region, read_regions
from .board_memory import (SDRAM_ALIAS, SDRAM_BASE, SDRAM_END, Allocator, MemoryBudget,
                           MemoryFull, SparseMemory)

N_CORES = SPINN1.cores_per_chip  # physical cores per chip; core 0 runs SC&MP
ROUTER_REGISTERS = 0x400  # bytes of router registers modelled from ROUTER_CONTROL
# The TCAM's entries (1024); entry 0 is kept by SC&MP, so ALLOC op 3 hands out
# 1 to SPINN1.router_entries (1023), the applications' budget.
ROUTER_ENTRIES = SPINN1.router_entries_hardware
SYSTEM_HEAP = 0x67C00000  # the board's own blocks (IOBUF), above the staging area
IOBUF_SIZE = 16384
APP_NAME_BYTES = 16
HW_VERSION = 5  # SpiNN-5
TAG_FIXED, TAG_POOL = 8, 8  # SC&MP's fixed tags (SET) and transient pool (NEW)
MAX_DATA_BYTES = 16 << 20  # a core's data region table may not claim more than this

ROUTER_TABLE = np.dtype([("key", "<u4"), ("mask", "<u4"), ("route", "<u4"), ("app_id", "<u2"),
                         ("used", "?")])


class Chip:
    """One chip of the virtual board.

    ``budget`` is the board's memory budget (shared by its chips); ``clock``
    gives the time in seconds since 1970 that the system variables' unix_time
    reports (SC&MP counts it up once a second).
    """

    def __init__(self, machine, x: int, y: int, ethernet: bool,
                 budget: MemoryBudget | None = None, clock: Callable[[], float] = time.time):
        self.x, self.y, self.ethernet = x, y, ethernet
        self.clock = clock
        self.sdram = SparseMemory(budget=budget, alias=SDRAM_ALIAS)
        self.sv = bytearray(SV_SIZE)
        self.vcpu = bytearray(VCPU_SIZE * N_CORES)
        self.router_registers = bytearray(ROUTER_REGISTERS)
        self.heap = Allocator(SDRAM_BASE, SDRAM_SYS, align=4)
        self.system_heap = Allocator(SYSTEM_HEAP, SDRAM_END, align=4)
        self.router_blocks = Allocator(1, ROUTER_ENTRIES)
        self.router = np.zeros(ROUTER_ENTRIES, dtype=ROUTER_TABLE)
        self.fixed_route = 0
        self.tags = [IPTag() for _ in range(TAG_FIXED + TAG_POOL)]
        self.tag_timeout = 0
        self.core_data: dict[int, bytes] = {}  # what each started core read (its "DTCM")
        self.binaries: dict[int, bytes] = {}  # the binary each core was loaded with
        self.cores = set(machine.cores(x, y))  # working application cores
        struct.pack_into("<H", self.sv, SV_P2P_ADDR, x << 8 | y)
        struct.pack_into("<H", self.sv, SV_P2P_DIMS, machine.width << 8 | machine.height)
        self.sv[SV_HW_VER] = HW_VERSION
        struct.pack_into("<I", self.sv, SV_UNIX_TIME, int(clock()))
        struct.pack_into("<H", self.sv, SV_ROOT_CHIP, 0)
        struct.pack_into("<I", self.sv, SV_IOBUF_SIZE, IOBUF_SIZE)
        struct.pack_into("<I", self.sv, SV_SDRAM_SYS, SDRAM_SYS)
        struct.pack_into("<I", self.sv, SV_VCPU_BASE, VCPU_BASE)
        for core in range(N_CORES):
            alive = core == 0 or core in self.cores
            self.set_state(core, State.RUN if core == 0 else
                           State.IDLE if alive else State.DEAD)

    # -- memory -------------------------------------------------------------------

    def _buffer(self, address: int, length: int):
        """(bytearray, offset) of the small memory holding the range, or None."""
        for base, buffer in ((SV_BASE, self.sv), (VCPU_BASE, self.vcpu),
                             (ROUTER_CONTROL, self.router_registers)):
            if base <= address and address + length <= base + len(buffer):
                return buffer, address - base
        return None

    def valid(self, address: int, length: int) -> bool:
        """Whether the whole range is memory the host can reach."""
        return self.sdram.contains(address, length) or self._buffer(address, length) is not None

    def read(self, address: int, length: int) -> bytes:
        """The bytes of a valid range (see :meth:`valid`)."""
        if self.sdram.contains(address, length):
            return self.sdram.read(address, length)
        buffer, offset = self._buffer(address, length)
        if buffer is self.sv:  # the clock has moved on since the last read
            struct.pack_into("<I", self.sv, SV_UNIX_TIME, int(self.clock()) & 0xFFFFFFFF)
        return bytes(buffer[offset:offset + length])

    def write(self, address: int, data: bytes) -> None:
        if self.sdram.contains(address, len(data)):
            self.sdram.write(address, data)
        else:
            buffer, offset = self._buffer(address, len(data))
            buffer[offset:offset + len(data)] = data

    # -- vcpu blocks --------------------------------------------------------------

    def _vcpu(self, core: int, offset: int) -> int:
        return VCPU_SIZE * core + offset

    def state(self, core: int) -> int:
        return self.vcpu[self._vcpu(core, VCPU_STATE)]

    def set_state(self, core: int, state: int) -> None:
        self.vcpu[self._vcpu(core, VCPU_STATE)] = int(state)

    def app_id(self, core: int) -> int:
        return self.vcpu[self._vcpu(core, VCPU_APP_ID)]

    def app_name(self, core: int) -> str:
        at = self._vcpu(core, VCPU_APP_NAME)
        return bytes(self.vcpu[at:at + APP_NAME_BYTES]).split(b"\0", 1)[0].decode(
            "ascii", "replace")

    def load_core(self, core: int, app_id: int, name: str, state: int,
                  binary: bytes = b"") -> None:
        """What AR does to a core: its app id, name, binary and first state."""
        self.binaries[core] = binary
        self.vcpu[self._vcpu(core, VCPU_APP_ID)] = app_id
        at = self._vcpu(core, VCPU_APP_NAME)
        self.vcpu[at:at + APP_NAME_BYTES] = name.encode("ascii", "replace")[
            :APP_NAME_BYTES - 1].ljust(APP_NAME_BYTES, b"\0")
        self.set_state(core, state)
        self.core_data.pop(core, None)

    def user(self, core: int, index: int) -> int:
        return struct.unpack_from("<I", self.vcpu, self._vcpu(core, VCPU_USER[index]))[0]

    def cores_of(self, app_id: int, mask: int = 0xFF) -> list[int]:
        """Application cores whose app id matches ``app_id`` under ``mask``."""
        return [c for c in sorted(self.cores)
                if self.app_id(c) & mask == app_id and self.state(c) != State.IDLE]

    def iobuf(self, core: int, text: str) -> None:
        """Write ``text`` to the core's IOBUF (a block of the system heap)."""
        pointer = struct.unpack_from("<I", self.vcpu, self._vcpu(core, VCPU_IOBUF))[0]
        if self.system_heap.find(pointer) is None:
            pointer = self.system_heap.alloc(IOBUF_SIZE, 0, core) or 0
            struct.pack_into("<I", self.vcpu, self._vcpu(core, VCPU_IOBUF), pointer)
        if pointer:
            body = text.encode("utf-8", "replace")[:IOBUF_SIZE - IOBUF_HEADER.size]
            try:
                self.sdram.write(pointer, IOBUF_HEADER.pack(0, int(self.clock()), 0, len(body))
                                 + body)
            except MemoryFull:
                pass  # the board is out of memory: the core's state still says it failed

    def fail(self, core: int, reason: str) -> None:
        """A runtime exception: state 2 and the reason in IOBUF."""
        self.set_state(core, State.RUNTIME_EXCEPTION)
        self.iobuf(core, f"core {core} of chip ({self.x}, {self.y}): {reason}\n")

    # -- starting a core ---------------------------------------------------------

    def start_core(self, core: int) -> None:
        """What a core does on the start signal: read its data from the address
        in user0, check it against its application, then wait in SYNC0 (or
        fail with the reason in IOBUF)."""
        name = self.app_name(core)
        if name not in apps.codes():
            return self.fail(core, f"unknown application '{name}': the binary staged at "
                             "sdram_sys was not a spinnc application")
        try:
            data = self._core_data(core)
            system = read_regions(data).get(Region.SYSTEM, ({}, {}))[0]
        except ValueError as error:
            return self.fail(core, f"('{name}') bad data: {error}")
        if system.get("application") != apps.codes()[name]:
            return self.fail(core, f"loaded with '{name}' but its data says application "
                             f"{system.get('application')}")
        self.core_data[core] = data
        self.set_state(core, State.SYNC0)

    def _core_data(self, core: int) -> bytes:
        address = self.user(core, 0)
        if not self.sdram.contains(address, TABLE_HEADER.itemsize):
            raise ValueError(f"user0 holds {address:#010x}, not an SDRAM address of its data")
        header = np.frombuffer(self.sdram.read(address, TABLE_HEADER.itemsize), TABLE_HEADER)[0]
        count = int(header["count"])
        size = TABLE_HEADER.itemsize + TABLE_ENTRY.itemsize * min(count, 1024)
        if not self.sdram.contains(address, size):
            raise ValueError(f"region table of {count} entries runs past SDRAM")
        table = np.frombuffer(self.sdram.read(address, size)[TABLE_HEADER.itemsize:],
                              TABLE_ENTRY)
        end = max([size] + [int(e["offset"]) + int(e["length"]) for e in table])
        if end > MAX_DATA_BYTES or not self.sdram.contains(address, end):
            raise ValueError(f"region table claims {end} bytes of data")
        return self.sdram.read(address, end)

    # -- router -------------------------------------------------------------------

    def table(self) -> np.ndarray:
        """The loaded entries in first-match (index) order, as a routing ENTRY array."""
        used = self.router[self.router["used"]]
        out = np.zeros(len(used), dtype=ENTRY)
        for name in ("key", "mask", "route"):
            out[name] = used[name]
        return out

    def clear_router(self, indices) -> None:
        self.router[indices] = np.zeros(1, dtype=ROUTER_TABLE)

    def largest_router_block(self) -> int:
        return self.router_blocks.largest_free()


def application_from_binary(binary: bytes) -> str:
    """The application whose shipped binary a staged binary is ('' if it is
    not one of spinnc's): :func:`spinnc.firmware.application_of`."""
    try:
        return firmware.application_of(binary)
    except Exception:  # any bytes at all may sit at sdram_sys
        return ""
