"""The ARM engine: an Image's applications as their real firmware, executed
instruction by instruction in unicorn, one ``Uc`` per core.

It is loaded as a board is (:mod:`spinnc.host.loader`): each core's region
data, recording buffer and provenance block in SDRAM with their addresses in
vcpu user0-user2, the application's APLX (``spinnc/firmware/bin``) staged
and loaded record by record, then the start-up handshake: every core
reaches WAIT, signal start, every core reaches SYNC0, signal sync0, RUN.

Execution model: that of :mod:`spinnc.firmware_sim.emulator`.  Tick ``t``:
every core's timer interrupt is raised and the core runs until it sleeps
(WFI) again; then the packets sent in the tick go through the routers
(:class:`~spinnc.firmware_sim.packets.Fabric`, the Image's tables) and each
receiving core takes them, one receive interrupt each, before tick ``t + 1``
begins: a packet sent in tick ``t`` is used in tick ``t + 1``.  Time passes
only while a core executes: cycles are counted per basic block
(:mod:`.timing`) plus a penalty per SDRAM and System RAM access, and the
timer counts those cycles, so the firmware measures its own ticks.

Speed: with a C compiler at hand (:mod:`.native`) nothing runs in Python
per instruction, per block, per memory access or per peripheral access: the
cycle counting block hook, the SDRAM/System RAM penalty and alignment check
(one memory hook, ``data_hook``), the VIC, timer 1 and communications
controller (MMIO callbacks on a ``periph_t``, packets sent into an outbox
the engine empties after each run) and the run loop itself (taking the
VIC's interrupts and calling ``uc_emu_start`` until the core sleeps,
``core_run``) are C; Python is left the faults, the system controller and
DMA status (rarely touched), the routing of packets between cores and the
monitor's side.  What limits speed then is unicorn itself: a memory hook
sends every load and store through QEMU's slow path, and the DTCM alignment
check (``check_alignment``, on by default) calls the hook on every DTCM
access (``bench/arm_engine.py`` measures both).  Without a compiler the same
hooks and peripherals run in Python (:mod:`.peripherals`).

Results come out as on a board: :meth:`ArmEmulator.recordings` reads the
recording buffers the firmware wrote in SDRAM through
:func:`spinnc.recording.recordings_from_buffers`, and
:meth:`ArmEmulator.provenance` reads the firmware's provenance blocks and
the routers' counts through :func:`spinnc.recording.provenance_from_buffers`.
A core that stops in a runtime exception raises
:class:`~spinnc.errors.CoreFailed` naming the core, the exception and its
IOBUF text.
"""

import ctypes
import struct
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from unicorn import (UC_ARCH_ARM, UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNALIGNED,
                     UC_ERR_FETCH_UNMAPPED, UC_ERR_INSN_INVALID, UC_HOOK_BLOCK, UC_HOOK_INTR,
                     UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MODE_ARM, Uc, UcError)
from unicorn.arm_const import (UC_ARM_REG_CPSR, UC_ARM_REG_LR, UC_ARM_REG_PC, UC_ARM_REG_R0,
                               UC_ARM_REG_SP, UC_ARM_REG_SPSR, UC_CPU_ARM_926)

import numpy as np

from ... import apps, fixed, recording
from ...apps.ensemble import learned_words
from ...regions import Region, read_regions
from ...errors import CoreFailed, ImageError, SpinncError
from ...formats import host_io
from ...formats.provenance import LinkProvenance, RouterProvenance
from ...image import Image
from ..emulator import TickOverrun
from ..engines import ticks_to_run
from ..packets import Fabric, RouterCounts
from unicorn.unicorn_py3.unicorn import uclib

from . import native, scamp
from .memory import (DTCM_BASE, DTCM_SIZE, ITCM_BASE, ITCM_SIZE, SDRAM_BASE,
                     SDRAM_UNBUFFERED, SDRAM_SIZE, SYSRAM_BASE, SYSRAM_SIZE, SYSRAM_UNBUFFERED,
                     ChipMemory)
from .peripherals import VIC, CommsController, SystemController, Timer
from .timing import EXCEPTION_CYCLES, SDRAM_ACCESS_CYCLES, instruction_costs

#: Where the shipped binaries are (package data).
FIRMWARE = Path(__file__).resolve().parents[2] / "firmware" / "bin"
#: Cycles a core may run before it must sleep again (a tick, a packet, a
#: signal): more is a runaway, reported as an error (50 ticks' worth).
RUNAWAY_CYCLES = 50 * 200_000

# CPSR modes and bits.
MODE_FIQ, MODE_IRQ, MODE_ABT, MODE_UND = 0x11, 0x12, 0x17, 0x1B
I_BIT, F_BIT, T_BIT = 0x80, 0x40, 0x20

MMIO_PAGE = 0x1000
CC_BASES = (0x10000000, 0x20000000)
TIMER_BASES = (0x11000000, 0x21000000)
VIC_BASES = (0x1F000000, 0x2F000000, 0xFFFFF000)
DMA_BASES = (0x30000000, 0x40000000)
SC_BASES = (0xE2000000, 0xF2000000)
DMA_STAT = 0x14
NO_BLOCK = 2**64 - 1
#: Packets a core may send between two sleeps (the C outbox's size).
OUTBOX_PACKETS = 1 << 16
NOTHING_IN_SERVICE = 17  # the VIC's priority with no IRQ in service
UNALIGNED, RUNAWAY = 1, 2  # hook_state_t.fault
#: Unicorn's exception numbers (its interrupt hook).
EXCEPTION_NAMES = {1: "undefined instruction", 2: "SVC", 3: "prefetch abort", 4: "data abort",
                   7: "breakpoint"}


class Chip:
    """One chip's shared memory and system controller."""

    def __init__(self, x: int, y: int):
        self.x, self.y = x, y
        self.memory = ChipMemory()
        self.sc = SystemController()
        scamp.boot_chip(self.memory, x, y)


class ArmCore:
    """One application core: its ``Uc``, peripherals and cycle count.

    ``costs`` is :func:`~.timing.instruction_costs` of its binary's ITCM
    image; the block and memory hooks, the VIC, timer and communications
    controller and the run loop are :mod:`.native`'s C functions when a C
    compiler is at hand, else the same in Python (:mod:`.peripherals`).
    """

    def __init__(self, chip: Chip, image_core, binary: bytes, costs, check_alignment: bool):
        self.chip, self.image_core = chip, image_core
        self.x, self.y, self.core = image_core.x, image_core.y, image_core.core
        self.outbox: list = []
        self.fault = None  # (what, pc, detail) found by a hook
        self.last_fault = ""  # the last exception the engine raised in the core
        self._prefix, self._refund = costs
        state = self.state = native.HookState()
        state.prefix = self._prefix.ctypes.data
        state.refund = self._refund.ctypes.data
        state.n_words = self._refund.size
        state.penalty = SDRAM_ACCESS_CYCLES
        state.emu_stop = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        state.reg_read = ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value
        state.pc_register = UC_ARM_REG_PC
        state.limit = RUNAWAY_CYCLES
        state.fall = NO_BLOCK
        state.reg_write = ctypes.cast(uclib.uc_reg_write, ctypes.c_void_p).value
        state.emu_start = ctypes.cast(uclib.uc_emu_start, ctypes.c_void_p).value
        state.regs[:] = (UC_ARM_REG_CPSR, UC_ARM_REG_SPSR, UC_ARM_REG_LR, UC_ARM_REG_PC)
        state.exception_cycles = EXCEPTION_CYCLES
        uc = self.uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
        uc.ctl_set_cpu_model(UC_CPU_ARM_926)
        self._uch = uc._uch
        self._word = ctypes.c_uint32()
        self._word_ref = ctypes.byref(self._word)
        uc.mem_map(ITCM_BASE, ITCM_SIZE)
        uc.mem_map(DTCM_BASE, DTCM_SIZE)
        chip.memory.map_into(uc)
        library = native.load()
        self.native = library is not None
        if library is not None:  # the hot peripherals in C (_hooks.c)
            periph = self.periph = native.PeriphState()
            periph.core = ctypes.addressof(state)
            self._outbox_words = np.zeros(3 * OUTBOX_PACKETS, dtype=np.uint32)
            periph.outbox = self._outbox_words.ctypes.data
            periph.out_cap = OUTBOX_PACKETS
            periph.priority = NOTHING_IN_SERVICE
            self.vic, self.timer, self.cc = (_NativeVIC(library, periph),
                                             _NativeTimer(library, periph),
                                             _NativeCC(library, periph))
            for bases, prefix in ((CC_BASES, "cc"), (TIMER_BASES, "timer"),
                                  (VIC_BASES, "vic")):
                for base in bases:
                    self._native_mmio(base, getattr(library, f"{prefix}_read"),
                                      getattr(library, f"{prefix}_write"))
            devices = ((SC_BASES, chip.sc),)
        else:
            self.vic, self.timer, self.cc = VIC(), Timer(self), CommsController(self)
            devices = ((CC_BASES, self.cc), (TIMER_BASES, self.timer),
                       (VIC_BASES, self.vic), (SC_BASES, chip.sc))
        for bases, device in devices:
            for base in bases:
                uc.mmio_map(base, MMIO_PAGE, self._reader(device), None,
                            self._writer(device), None)
        for base in DMA_BASES:
            uc.mmio_map(base, MMIO_PAGE, self._dma_read, None, lambda *a: None, None)
        if library is None:
            uc.hook_add(UC_HOOK_INTR, self._interrupt)
        else:  # the whole run loop in C (core_run) but for faults
            self._native_hook(UC_HOOK_INTR, library.intr_hook, 1, 0)
            self._core_run = library.core_run
            self._uch_pointer = self._uch
            self._state_ref, self._periph_ref = ctypes.byref(state), ctypes.byref(self.periph)
            self._status = ctypes.c_int()
            self._status_ref = ctypes.byref(self._status)
        slow = UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE
        ranges = [("slow", base, size) for base, size in (
            (SDRAM_BASE, SDRAM_SIZE), (SDRAM_UNBUFFERED, SDRAM_SIZE),
            (SYSRAM_BASE, SYSRAM_SIZE), (SYSRAM_UNBUFFERED, SYSRAM_SIZE))]
        if check_alignment:
            ranges.append(("tcm", DTCM_BASE, DTCM_SIZE))
        if library is not None:
            self._native_hook(UC_HOOK_BLOCK, library.block_hook, 1, 0)
            # The ranges' hooks in one (data_hook: the same counts and checks),
            # not called for DTCM accesses when they are not checked.
            state.check_tcm = int(check_alignment)
            self._native_hook(slow, library.data_hook,
                              DTCM_BASE if check_alignment else SDRAM_BASE,
                              SYSRAM_UNBUFFERED + SYSRAM_SIZE - 1)
        else:
            uc.hook_add(UC_HOOK_BLOCK, self._block)
            for kind, base, size in ranges:
                hook = self._slow_access if kind == "slow" else self._tcm_access
                uc.hook_add(slow, hook, begin=base, end=base + size - 1)
        entry = scamp.stage_and_load(uc, chip.memory, binary)
        uc.reg_write(UC_ARM_REG_CPSR, 0x1D3)  # SVC, IRQ and FIQ masked (FIRMWARE.md 2 step 9)
        uc.reg_write(UC_ARM_REG_SP, scamp.LOADER_SP)
        uc.reg_write(UC_ARM_REG_R0, scamp.APLX_WAIT << 8 | image_core.app_id)
        uc.reg_write(UC_ARM_REG_PC, entry)

    def _native_hook(self, kind: int, function, begin: int, end: int) -> None:
        handle = ctypes.c_size_t()
        status = uclib.uc_hook_add(self.uc._uch, ctypes.byref(handle), kind,
                                   ctypes.cast(function, ctypes.c_void_p),
                                   ctypes.c_void_p(ctypes.addressof(self.state)),
                                   ctypes.c_uint64(begin), ctypes.c_uint64(end))
        if status:
            raise UcError(status)

    def _native_mmio(self, base: int, read, write) -> None:
        pointer = ctypes.c_void_p(ctypes.addressof(self.periph))
        status = uclib.uc_mmio_map(self._uch, ctypes.c_uint64(base), ctypes.c_uint64(MMIO_PAGE),
                                   ctypes.cast(read, ctypes.c_void_p), pointer,
                                   ctypes.cast(write, ctypes.c_void_p), pointer)
        if status:
            raise UcError(status)

    def drain(self) -> None:
        """Move what the C communications controller sent to ``outbox``."""
        periph = self.periph
        n = periph.out_n
        if periph.overflow:
            raise SpinncError(f"{self.where} sent more than {OUTBOX_PACKETS:,} packets "
                              "between two sleeps, more than the engine's outbox holds")
        if n:
            words = self._outbox_words[:3 * n].tolist()
            self.outbox.extend((words[i], words[i + 1] if words[i + 2] else None)
                               for i in range(0, 3 * n, 3))
            periph.out_n = 0

    @property
    def cycles(self) -> int:
        return self.state.cycles

    @cycles.setter
    def cycles(self, value: int) -> None:
        self.state.cycles = value

    @property
    def instructions(self) -> int:
        return self.state.instructions

    @property
    def asleep(self) -> bool:
        """The core is in WFI."""
        return bool(self.state.asleep)

    @asleep.setter
    def asleep(self, value: bool) -> None:
        self.state.asleep = int(bool(value))

    @property
    def where(self) -> str:
        return (f"core {self.core} of chip ({self.x}, {self.y}) ('{self.image_core.name}', "
                f"application '{self.image_core.application}')")

    # -- hooks ---------------------------------------------------------------------

    @staticmethod
    def _reader(device):
        return lambda uc, offset, size, data: device.read(offset & ~3) & 0xFFFFFFFF

    @staticmethod
    def _writer(device):
        return lambda uc, offset, size, value, data: device.write(offset & ~3, value)

    def _dma_read(self, uc, offset, size, data):
        return self.core << 24 if offset == DMA_STAT else 0

    # The Python versions of _hooks.c (no C compiler).

    def _block(self, uc, address, size, data):
        state = self.state
        if address == state.fall:
            state.cycles -= state.last_refund
        first, last = address >> 2, (address + size + 3) >> 2
        if first < last <= state.n_words:
            state.cycles += int(self._prefix[last] - self._prefix[first])
            state.instructions += last - first
            state.last_refund = int(self._refund[last - 1])
        else:
            state.cycles += (size + 3) // 4
            state.instructions += (size + 3) // 4
            state.outside += size
            state.last_refund = 0
        state.fall = address + size
        if state.cycles > state.limit and not state.fault:
            state.fault = RUNAWAY
            uc.emu_stop()

    def _slow_access(self, uc, access, address, size, value, data):
        self.state.cycles += SDRAM_ACCESS_CYCLES
        self._tcm_access(uc, access, address, size, value, data)

    def _tcm_access(self, uc, access, address, size, value, data):
        state = self.state
        if address & (size - 1):
            if not state.fault:
                state.fault = UNALIGNED
                state.fault_address = address
                state.fault_pc = uc.reg_read(UC_ARM_REG_PC)
            uc.emu_stop()

    def _interrupt(self, uc, number, data):
        names = EXCEPTION_NAMES
        if self.fault is None:
            self.fault = (names.get(number, f"exception {number}"),
                          uc.reg_read(UC_ARM_REG_PC), "")
        uc.emu_stop()

    # -- running -------------------------------------------------------------------

    def _read(self, register: int) -> int:
        """A register, through unicorn's C API (the binding's reg_read costs
        more than the emulation of a tick's blocks)."""
        uclib.uc_reg_read(self._uch, register, self._word_ref)
        return self._word.value

    def _write(self, register: int, value: int) -> None:
        self._word.value = value & 0xFFFFFFFF
        uclib.uc_reg_write(self._uch, register, self._word_ref)

    def _enter(self, mode: int, vector: int, lr: int, mask_fiq: bool = False) -> None:
        """Take an exception: SPSR = CPSR, the mode's LR, ARM state, IRQ off."""
        cpsr = self._read(UC_ARM_REG_CPSR)
        new = (cpsr & ~0xFF) | I_BIT | mode | (F_BIT if mask_fiq else cpsr & F_BIT)
        self._write(UC_ARM_REG_CPSR, new)
        self._write(UC_ARM_REG_SPSR, cpsr)
        self._write(UC_ARM_REG_LR, lr)
        self._write(UC_ARM_REG_PC, vector)
        self.state.cycles += EXCEPTION_CYCLES
        self.asleep = False

    def _take_fault(self) -> None:
        what, pc, detail = self.fault
        self.fault = None
        self.last_fault = f"{what} at pc {pc:#010x}" + (f": {detail}" if detail else "")
        if what == "data abort":
            self._enter(MODE_ABT, 0x10, pc + 8)
        elif what == "prefetch abort":
            self._enter(MODE_ABT, 0x0C, pc + 4)
        elif what == "SVC":
            self._enter(0x13, 0x08, pc)
        else:
            self._enter(MODE_UND, 0x04, pc + 4)

    def run(self) -> None:
        """Run until the core sleeps with no interrupt to take."""
        if not self.native:
            self._run()
            return
        try:
            self._run_native()
        finally:
            self.drain()

    def _unicorn_fault(self, status: int) -> None:
        """What unicorn stopping with an error means for the core."""
        pc = self._read(UC_ARM_REG_PC)
        if status in (UC_ERR_FETCH_UNMAPPED, UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNALIGNED):
            self.fault = ("prefetch abort", pc, str(UcError(status)))
        elif status == UC_ERR_INSN_INVALID:
            self.fault = ("undefined instruction", pc, str(UcError(status)))
        elif self.fault is None:
            self.fault = ("data abort", pc, str(UcError(status)))

    def _intr_fault(self) -> None:
        """The exception unicorn's interrupt hook (intr_hook) caught."""
        state = self.state
        if state.intr:
            if self.fault is None:
                self.fault = (EXCEPTION_NAMES.get(state.intr, f"exception {state.intr}"),
                              state.intr_pc, "")
            state.intr = 0

    def _hook_fault(self) -> bool:
        """Take what the memory and block hooks flagged: an unaligned access
        becomes this core's data abort (True: go on to take it); a core that
        ran RUNAWAY_CYCLES without sleeping is an error."""
        state = self.state
        if state.fault == UNALIGNED:
            state.fault = 0
            if self.fault is None:
                self.fault = ("data abort", state.fault_pc,
                              f"unaligned access at {state.fault_address:#010x}")
            return True
        if state.fault == RUNAWAY:
            state.fault = 0
            raise SpinncError(f"{self.where} ran {RUNAWAY_CYCLES:,} cycles without "
                              f"sleeping (at pc {self._read(UC_ARM_REG_PC):#010x}): "
                              "the firmware is stuck in a loop")
        return False

    def _run_native(self) -> None:
        """run() with the interrupt entry and emu_start loop in C (core_run):
        Python only for faults, as :meth:`_run` handles them."""
        state = self.state
        state.limit = state.cycles + RUNAWAY_CYCLES
        faults = 0
        after_fault = 0
        while True:
            if self.fault is not None:
                faults += 1
                if faults > 2:
                    raise CoreFailed(f"{self.where} faulted in its own exception handler: "
                                     f"{self.fault[0]} at pc {self.fault[1]:#010x} "
                                     f"{self.fault[2]}")
                self._take_fault()
                after_fault = 1
            outcome = self._core_run(self._uch_pointer, self._state_ref, self._periph_ref,
                                     after_fault, self._status_ref)
            after_fault = 0
            if outcome == 0:
                return
            self._intr_fault()
            if outcome == 1:
                self._unicorn_fault(self._status.value)
                continue
            if self._hook_fault():
                continue

    def _run(self) -> None:
        state, vic = self.state, self.vic
        state.limit = state.cycles + RUNAWAY_CYCLES
        faults = 0
        while True:
            if self.fault is not None:
                faults += 1
                if faults > 2:
                    raise CoreFailed(f"{self.where} faulted in its own exception handler: "
                                     f"{self.fault[0]} at pc {self.fault[1]:#010x} "
                                     f"{self.fault[2]}")
                self._take_fault()
            else:
                cpsr = self._read(UC_ARM_REG_CPSR)
                if not cpsr & F_BIT and vic.fiq():
                    self._enter(MODE_FIQ, 0x1C, self._read(UC_ARM_REG_PC) + 4, True)
                elif not cpsr & I_BIT and vic.irq():
                    self._enter(MODE_IRQ, 0x18, self._read(UC_ARM_REG_PC) + 4)
                elif self.asleep:
                    if not (vic.irq() or vic.fiq()):
                        return
                    self.asleep = False  # WFI wakes on a masked interrupt too
            pc = self._read(UC_ARM_REG_PC)
            if self._read(UC_ARM_REG_CPSR) & T_BIT:
                pc |= 1
            state.fall = NO_BLOCK
            status = uclib.uc_emu_start(self._uch, pc, 0xFFFFFFFF, 0, 0)
            if status:
                pc = self._read(UC_ARM_REG_PC)
                if status in (UC_ERR_FETCH_UNMAPPED, UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNALIGNED):
                    self.fault = ("prefetch abort", pc, str(UcError(status)))
                elif status == UC_ERR_INSN_INVALID:
                    self.fault = ("undefined instruction", pc, str(UcError(status)))
                elif self.fault is None:
                    self.fault = ("data abort", pc, str(UcError(status)))
                continue
            if self._hook_fault():
                continue
            if self.fault is None:
                self.asleep = True  # emu_start returns at WFI


class ArmEmulator:
    """Runs an :class:`~spinnc.image.Image` with the applications' real ARM
    firmware, instruction by instruction (one unicorn ``Uc`` per core).

    The same interface as :class:`spinnc.firmware_sim.Emulator` (fixed point
    only): :meth:`run`, :meth:`recordings`, :meth:`provenance`, ``t``.

    Parameters
    ----------
    image : Image
        What a board would be given; nothing else is read.
    strict : bool
        Raise :class:`~spinnc.firmware_sim.TickOverrun` on the first tick a
        core's execution overruns the machine's cycles per tick.
    check_alignment : bool
        Check every DTCM access for alignment (a data abort on the ARM968,
        not in unicorn); SDRAM and System RAM accesses are always checked.
        Off makes the engine faster.
    firmware : path or mapping, optional
        A directory of APLX binaries (the shipped ones by default), or the
        binaries by application name (what a board was loaded with).

    Raises
    ------
    ImageError
        If the Image disagrees with its machine or its data, or an
        application has no ARM binary.
    CoreFailed
        If a core stops in a runtime exception while starting (the message
        names the core and carries its IOBUF text).
    """

    def __init__(self, image: Image, strict: bool = False, check_alignment: bool = True,
                 firmware=None):
        image.check()
        self.image, self.machine, self.strict = image, image.machine, strict
        self.dt = image.dt
        self.precision = "fixed"
        # A directory of APLX files, or the binaries by application (a board's).
        self.firmware = firmware if isinstance(firmware, Mapping) else \
            Path(firmware) if firmware is not None else FIRMWARE
        self.t = 0
        self._paused = False
        self.chips: dict = {}
        self.cores: list[ArmCore] = []
        self._blocks: dict = {}  # (x, y, core) -> (data, recording, provenance) addresses
        binaries, costs = {}, {}
        for c in image.cores:
            if c.application not in binaries:
                binaries[c.application] = self._binary(c)
                costs[c.application] = _costs(binaries[c.application])
            chip = self.chips.get((c.x, c.y))
            if chip is None:
                chip = self.chips[c.x, c.y] = Chip(c.x, c.y)
                chip.sc.on_monitor = lambda chip=chip: self._monitor(chip)
            memory = chip.memory
            rec_size = _recording_size(image, c)
            data_at = memory.alloc(len(c.data))
            memory.write(data_at, c.data)
            rec_at = memory.alloc(rec_size) if rec_size else 0
            prov_at = memory.alloc(recording.provenance_bytes(c))
            self._blocks[c.x, c.y, c.core] = (data_at, rec_at, prov_at)
            scamp.prepare_vcpu(memory, c.core, c.app_id, (data_at, rec_at, prov_at, 0))
            chip.sc.flags |= 1 << c.core  # the monitor's SC_SETFLAG at load (FIRMWARE.md 2)
            core = ArmCore(chip, c, binaries[c.application], costs[c.application],
                           check_alignment)
            chip.sc.cores[c.core] = core
            self.cores.append(core)
        self._where = {(c.x, c.y, c.core): c for c in self.cores}
        self._to_host: dict = {}  # (x, y, core) -> messages the monitor took
        self._host_cores = {(c.image_core.name, c.image_core.application): c
                            for c in self.cores
                            if apps.application(c.image_core.application).host_function}
        self.fabric = Fabric(self.machine, image.tables, set(self._where))
        self.router_counts = {chip: RouterCounts() for chip in image.tables}
        self.link_counts: dict = {}
        self.max_cycles = [0] * len(self.cores)
        self.last_cycles = [0] * len(self.cores)  # each core's in the last tick
        self.lost = 0  # packets that found a core's receive register still full
        self._start()

    def _binary(self, c) -> bytes:
        if isinstance(self.firmware, Mapping):
            if c.application not in self.firmware:
                raise ImageError(f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') runs "
                                 f"'{c.application}', for which no binary was loaded")
            return bytes(self.firmware[c.application])
        path = self.firmware / f"{c.application}.aplx"
        if not path.exists():
            shipped = sorted(p.stem for p in self.firmware.glob("*.aplx"))
            raise ImageError(f"core {c.core} of chip ({c.x}, {c.y}) ('{c.name}') runs "
                             f"'{c.application}', which has no ARM firmware yet ({path} is "
                             f"missing; there are {', '.join(shipped) or 'none'}): run it on "
                             "the Python engine")
        return path.read_bytes()

    # -- the monitor's side ----------------------------------------------------------

    def _run_all(self, cores=None) -> None:
        for core in cores or self.cores:
            core.run()

    def _expect(self, wanted: int, doing: str) -> None:
        self._check_failed()
        for core in self.cores:
            found = scamp.state(core.chip.memory, core.core)
            if found != wanted:
                raise SpinncError(
                    f"{core.where} is in state {scamp.STATE_NAMES.get(found, found)} after "
                    f"{doing}, not {scamp.STATE_NAMES[wanted]}: "
                    f"{scamp.iobuf(core.chip.memory, core.core).strip() or 'its IOBUF is empty'}")

    def _check_failed(self) -> None:
        for core in self.cores:
            memory = core.chip.memory
            if scamp.state(memory, core.core) == scamp.RTE:
                code = scamp.rt_code(memory, core.core)
                text = scamp.iobuf(memory, core.core).strip() or "(its IOBUF is empty)"
                seen = f" [the engine raised a {core.last_fault}]" if core.last_fault else ""
                raise CoreFailed(f"{core.where} stopped in a runtime exception (RTE "
                                 f"{code}, {scamp.RTE_NAMES.get(code, 'unknown')}) at tick "
                                 f"{self.t}: {text}{seen}")

    def _signal(self, number: int) -> None:
        for core in self.cores:
            scamp.post_signal(core.chip.memory, core.core, number)
            core.chip.sc.interrupt(1 << core.core)
        self._run_all()

    def _start(self) -> None:
        self._run_all()
        self._expect(scamp.WAIT, "loading")
        self._signal(scamp.SIG_START)
        self._expect(scamp.SYNC0, "signal start")
        for chip in self.chips.values():  # sync0: flags cleared, then the CPU interrupt
            mask = sum(1 << p for p in chip.sc.cores)
            chip.sc.flags &= ~mask
            chip.sc.interrupt(mask)
        self._run_all()
        self._expect(scamp.RUN, "signal sync0")

    def last_tick_cycles(self) -> dict:
        """Each core's cycles in the last tick run (its timer tick):
        (x, y, core) -> cycles."""
        return {(c.x, c.y, c.core): used for c, used in zip(self.cores, self.last_cycles)}

    def iobuf(self, x: int, y: int, core: int) -> str:
        """A core's IOBUF text."""
        return scamp.iobuf(self.chips[x, y].memory, core)

    # -- running ---------------------------------------------------------------------

    def run(self, n_steps: int | None = None, host=None) -> None:
        """Advance ``n_steps`` ticks (the Image's step count by default).

        Raises
        ------
        ImageError
            If the ticks would pass the Image's ``n_steps``.
        CoreFailed
            If a core stops in a runtime exception (naming it, with its IOBUF).
        TickOverrun
            In strict mode, if a core's tick overruns.
        """
        n_steps = ticks_to_run(self.image, self.t, n_steps, host)
        if n_steps and self._paused:
            self._signal(scamp.SIG_CONT)
            self._paused = False
        for _ in range(n_steps):
            self._tick(host)

    def _host(self, host) -> None:
        """The host functions of this tick: each host_out core's messages and
        values read (:mod:`spinnc.formats.host_io`), ``host(name, (t + 1)
        dt, x)`` called, its answer quantised (as the host's packets are)
        and sent to the host_in core in SDP messages of up to 64 words (none
        if the host did not answer: the core resends its last)."""
        for name, spec in self.image.host_functions.items():
            size_in, size_out = int(spec["size_in"]), int(spec["size_out"])
            out = self._host_cores.get((name, "host_out"))
            into = self._host_cores.get((name, "host_in"))
            value = np.zeros(size_in)
            if out is not None:
                value = fixed.to_float(self._values_sent(out, size_in))
            if into is not None:
                self._request_sent(into)
            answer = host(name, (self.t + 1) * self.dt, value)
            if answer is None:
                continue
            answer = np.reshape(np.asarray(answer, float), -1)
            if answer.size != size_out:
                raise SpinncError(f"host function '{name}' returned {answer.size} values in "
                                  f"tick {self.t}; the image expects {size_out}")
            if into is not None:
                words = fixed.to_fixed(answer)[0].astype("<i4")
                for first in range(0, max(size_out, 1), host_io.VALUES_PER_MESSAGE):
                    chunk = words[first:first + host_io.VALUES_PER_MESSAGE]
                    scamp.send_sdp(into.chip.memory, into.core, (first, chunk.size, self.t),
                                   chunk.tobytes())
                    into.chip.sc.interrupt(1 << into.core)
                    into.run()

    def _monitor(self, chip: Chip) -> None:
        """The monitor's CPU interrupt: it takes each core's message at once,
        keeping those for the host (what the Ethernet would send)."""
        for p, core in chip.sc.cores.items():
            message = scamp.take_sdp(chip.memory, p)
            if message is not None:
                self._to_host.setdefault((chip.x, chip.y, p), []).append(message)

    def _taken(self, core: ArmCore, kind: int) -> list:
        """The host I/O messages ``core`` sent this tick, checked: through
        the output tag, of this tick, of ``kind``."""
        found = []
        for raw in self._to_host.pop((core.x, core.y, core.core), []):
            try:
                message = host_io.unpack_machine_datagram(b"\0\0" + raw)
            except ValueError as error:
                raise SpinncError(f"{core.where} sent the host {error}") from None
            tag, port = raw[1], raw[2]
            if (tag, port, message.kind, message.tick) != (host_io.OUTPUT_TAG,
                                                           host_io.PORT_ETH, kind, self.t):
                raise SpinncError(f"{core.where} sent the host a message with tag {tag}, "
                                  f"port {port:#x}, kind {message.kind} and tick "
                                  f"{message.tick} in tick {self.t}")
            found.append(message)
        return found

    def _values_sent(self, core: ArmCore, size: int) -> np.ndarray:
        values = host_io.Values(size)
        for m in self._taken(core, host_io.VALUES):
            try:
                values.add(m.first, m.words)
            except ValueError as error:
                raise SpinncError(f"{core.where} sent the host {error} in tick {self.t}") \
                    from None
        if values.count != size:
            raise SpinncError(f"{core.where} sent {values.count} of its {size} values to the "
                              f"host in tick {self.t}")
        return values.words

    def _request_sent(self, core: ArmCore) -> None:
        if len(self._taken(core, host_io.REQUEST)) != 1:
            raise SpinncError(f"{core.where} did not ask the host for tick {self.t}'s answer")

    def _tick(self, host=None) -> None:
        limit = self.machine.cycles_per_tick
        for i, core in enumerate(self.cores):
            if core.timer.running:
                core.timer.tick()
            before = core.cycles
            core.run()
            used = core.cycles - before
            self.last_cycles[i] = used
            if used > self.max_cycles[i]:
                self.max_cycles[i] = used
            if self.strict and used > limit:
                raise TickOverrun(f"{core.where} took {used} cycles in tick {self.t}, over "
                                  f"the {limit} of a tick")
        if self.image.host_functions:
            self._host(host)
        arrivals: dict = {}
        for core in self.cores:
            for key, payload in core.outbox:
                trace = self.fabric.trace(core.x, core.y, key)
                for chip, counts in trace.counts.items():
                    total = self.router_counts.setdefault(chip, RouterCounts())
                    for name in vars(counts):
                        setattr(total, name, getattr(total, name) + getattr(counts, name))
                for link, n in trace.links.items():
                    self.link_counts[link] = self.link_counts.get(link, 0) + n
                for where in trace.cores:
                    arrivals.setdefault(where, []).append((key, payload))
            core.outbox.clear()
        for where, packets in arrivals.items():
            core = self._where[where]
            for key, payload in packets:
                if not core.cc.receive(key, payload):
                    self.lost += 1
                core.run()
        self.t += 1
        self._check_failed()

    def _pause(self) -> None:
        """Ask the cores to write their recordings' headers (SIG_PAUSE), as a
        host does before reading a run that has not finished."""
        if not self._paused and 0 < self.t < self.image.n_steps:
            self._signal(scamp.SIG_PAUSE)
            self._paused = True

    # -- results -------------------------------------------------------------------

    @property
    def instructions(self) -> int:
        """Instructions executed by every core so far."""
        return sum(c.instructions for c in self.cores)

    @property
    def cycles(self) -> int:
        """Cycles executed by every core so far."""
        return sum(c.cycles for c in self.cores)

    def learned(self, x: int, y: int, core: int, rule: int) -> np.ndarray:
        """Learning rule ``rule``'s weights or encoders on a core now, as its
        recordings hold them (s16.15 words): the firmware writes them back
        into its LEARNING region in SDRAM when it pauses or stops, where a
        board's host reads them."""
        return learned_words(read_regions(self.region_data(x, y, core))[Region.LEARNING][1],
                             rule)

    def region_data(self, x: int, y: int, core: int) -> bytes:
        """A core's region data in SDRAM now (what its learning rules have
        learned written back: the firmware does so when it pauses or stops)."""
        self._pause()
        c = self._where[x, y, core]
        return c.chip.memory.read(self._blocks[x, y, core][0], len(c.image_core.data))

    def recording_buffer(self, x: int, y: int, core: int) -> bytes:
        """The recording buffer the firmware of a core wrote (b"" if it
        records nothing), as a board's host reads it back."""
        self._pause()
        c = self._where[x, y, core]
        size = _recording_size(self.image, c.image_core)
        at = self._blocks[x, y, core][1]
        return c.chip.memory.read(at, size) if size else b""

    def recordings(self):
        """Every probe's samples in nengo's units and shape, read from the
        recording buffers the firmware wrote (:mod:`spinnc.recording`)."""
        buffers = {(c.x, c.y, c.core): self.recording_buffer(c.x, c.y, c.core)
                   for c in self.cores}
        return recording.recordings_from_buffers(self.image, buffers, "fixed", self.t)

    def provenance(self):
        """What the cores (their provenance blocks) and routers counted."""
        self._pause()
        blocks = {}
        for c in self.image.cores:
            _, _, at = self._blocks[c.x, c.y, c.core]
            blocks[c.x, c.y, c.core] = self.chips[c.x, c.y].memory.read(
                at, recording.provenance_bytes(c))
        counters = {(x, y): recording.pack_router_counters(RouterProvenance(
            x, y, n.local, n.non_local, n.default_routed, n.dropped))
            for (x, y), n in self.router_counts.items()}
        provenance = recording.provenance_from_buffers(self.image, blocks, counters, self.t)
        provenance.links = [LinkProvenance(x, y, link, n)
                            for (x, y, link), n in sorted(self.link_counts.items())]
        return provenance

    def close(self) -> None:
        """Free the emulated memories (the engine is unusable afterwards)."""
        for core in self.cores:
            core.uc = None
        for chip in self.chips.values():
            chip.memory.close()


class _NativeVIC:
    """The engine's side of the C VIC (``periph_t``): the core's IRQ and FIQ
    inputs, and lines driven from outside (the system controller)."""

    def __init__(self, library, periph):
        self._ref = ctypes.byref(periph)
        self._irq, self._fiq, self._set = library.vic_irq, library.vic_fiq, library.vic_set_line

    def irq(self) -> bool:
        return bool(self._irq(self._ref))

    def fiq(self) -> bool:
        return bool(self._fiq(self._ref))

    def set_line(self, line: int, level: bool) -> None:
        self._set(self._ref, line, int(bool(level)))


class _NativeTimer:
    """The engine's side of the C timer 1."""

    def __init__(self, library, periph):
        self._periph, self._ref, self._tick = periph, ctypes.byref(periph), library.timer_tick

    @property
    def running(self) -> bool:
        control = self._periph.control
        return bool(control & 0x80) and bool(control & 0x20)

    def tick(self) -> None:
        self._tick(self._ref)


class _NativeCC:
    """The engine's side of the C communications controller."""

    def __init__(self, library, periph):
        self._ref, self._receive = ctypes.byref(periph), library.cc_receive

    def receive(self, key: int, payload) -> bool:
        return bool(self._receive(self._ref, key, payload or 0, payload is not None))


def _recording_size(image: Image, core) -> int:
    """A core's recording buffer size; 0 if its data cannot be read (the
    firmware then stops in a runtime exception that says why)."""
    try:
        return recording.recording_size(image, core)
    except ValueError:
        return 0


def _costs(binary: bytes):
    """The per-word cycle table of an APLX's ITCM image (its first RCOPY)."""
    _, dest, src, length = struct.unpack_from("<4I", binary, 0)
    image = binary[src:src + length] if dest == ITCM_BASE else b""
    return _cached_costs(bytes(image))


@lru_cache(maxsize=16)
def _cached_costs(image: bytes):
    return instruction_costs(image, ITCM_SIZE // 4)
