"""The peripherals an application core touches, as unicorn MMIO callbacks:
VIC (ARM PL190), timer 1, communications controller, DMA status (the core
number), and the chip's shared system controller.  Register layouts and
semantics: ``spinnaker/FIRMWARE.md`` sections 7-11 (the VIC after QEMU's
``hw/intc/pl190.c``); unmodelled registers read 0 and ignore writes.
"""

from dataclasses import dataclass, field

# VIC lines (FIRMWARE.md 7).
LINE_TIMER1 = 4
LINE_CC_RDY = 6
LINE_CPU_INT = 18
LINE_CC_MC = 24
DEFAULT_PRIORITY = 16  # an active IRQ with no enabled vector slot
NOTHING_IN_SERVICE = 17


class VIC:
    """ARM PL190 vectored interrupt controller of one core."""

    def __init__(self):
        self.raw = 0  # lines driven by the peripherals
        self.soft = 0
        self.enable = 0
        self.select = 0  # 1: FIQ
        self.vect_addr = [0] * 16
        self.vect_cntl = [0] * 16
        self.default_addr = 0
        self.priority = NOTHING_IN_SERVICE
        self.stack: list[int] = []

    def set_line(self, line: int, level: bool) -> None:
        if level:
            self.raw |= 1 << line
        else:
            self.raw &= ~(1 << line)

    @property
    def irq_status(self) -> int:
        return (self.raw | self.soft) & self.enable & ~self.select

    @property
    def fiq_status(self) -> int:
        return (self.raw | self.soft) & self.enable & self.select

    def _active(self):
        """(priority, handler address) of the highest-priority active IRQ."""
        status = self.irq_status
        if not status:
            return None
        for n in range(16):
            cntl = self.vect_cntl[n]
            if cntl & 0x20 and status >> (cntl & 31) & 1:
                return n, self.vect_addr[n]
        return DEFAULT_PRIORITY, self.default_addr

    def irq(self) -> bool:
        """The core's IRQ input: an active IRQ above the one in service."""
        active = self._active()
        return active is not None and active[0] < self.priority

    def fiq(self) -> bool:
        return self.fiq_status != 0

    def read(self, offset: int) -> int:
        if offset == 0x00:
            return self.irq_status
        if offset == 0x04:
            return self.fiq_status
        if offset == 0x08:
            return self.raw | self.soft
        if offset == 0x0C:
            return self.select
        if offset == 0x10:
            return self.enable
        if offset == 0x18:
            return self.soft
        if offset == 0x30:  # VectAddr: acknowledge the highest-priority active IRQ
            active = self._active()
            if active is None or active[0] >= self.priority:
                return self.default_addr
            self.stack.append(self.priority)
            self.priority = active[0]
            return active[1]
        if offset == 0x34:
            return self.default_addr
        if 0x100 <= offset < 0x140:
            return self.vect_addr[(offset - 0x100) // 4]
        if 0x200 <= offset < 0x240:
            return self.vect_cntl[(offset - 0x200) // 4]
        return 0

    def write(self, offset: int, value: int) -> None:
        if offset == 0x0C:
            self.select = value
        elif offset == 0x10:
            self.enable |= value
        elif offset == 0x14:
            self.enable &= ~value
        elif offset == 0x18:
            self.soft |= value
        elif offset == 0x1C:
            self.soft &= ~value
        elif offset == 0x30:  # end of interrupt
            self.priority = self.stack.pop() if self.stack else NOTHING_IN_SERVICE
        elif offset == 0x34:
            self.default_addr = value
        elif 0x100 <= offset < 0x140:
            self.vect_addr[(offset - 0x100) // 4] = value
        elif 0x200 <= offset < 0x240:
            self.vect_cntl[(offset - 0x200) // 4] = value


class Timer:
    """Timer 1 (FIRMWARE.md 8), counting CPU cycles.  The engine starts each
    tick (:meth:`tick`) when the period has passed; COUNT and RAW_INT are
    computed from the core's cycles since then."""

    def __init__(self, core):
        self.core = core  # has .cycles
        self.load = self.bg_load = 0
        self.control = 0
        self.raw = False
        self.started = 0  # the core's cycle count when the period began

    @property
    def running(self) -> bool:
        return bool(self.control & 0x80) and bool(self.control & 0x20)

    def _elapsed(self) -> int:
        return self.core.cycles - self.started

    def tick(self) -> None:
        """A period has passed: reload and raise the interrupt."""
        self.started = self.core.cycles
        self.raw = True
        self.core.vic.set_line(LINE_TIMER1, True)

    def read(self, offset: int) -> int:
        period = self.bg_load or self.load or 1
        if offset == 0x00:
            return self.load
        if offset == 0x04:
            return (period - self._elapsed() % period) & 0xFFFFFFFF
        if offset == 0x08:
            return self.control
        if offset in (0x10, 0x14):
            raw = self.raw or (self.running and self._elapsed() >= period)
            return int(raw) if offset == 0x10 or self.control & 0x20 else 0
        if offset == 0x18:
            return self.bg_load
        return 0

    def write(self, offset: int, value: int) -> None:
        if offset == 0x00:
            self.load = value
            self.started = self.core.cycles
        elif offset == 0x08:
            self.control = value & 0xFF
        elif offset == 0x0C:
            self.raw = False
            self.core.vic.set_line(LINE_TIMER1, False)
        elif offset == 0x18:
            self.bg_load = value


class CommsController:
    """The communications controller (FIRMWARE.md 9): sends go to the
    engine's outbox; one received packet is held at a time."""

    def __init__(self, core):
        self.core = core
        self.tcr = 0
        self.tx_data = 0
        self.rx = None  # (key, payload or None)

    def receive(self, key: int, payload) -> bool:
        """Hold a packet; False if one is still unread (the new one is lost)."""
        if self.rx is not None:
            return False
        self.rx = (key, payload)
        self.core.vic.set_line(LINE_CC_RDY, True)
        self.core.vic.set_line(LINE_CC_MC, True)
        return True

    def read(self, offset: int) -> int:
        if offset == 0x00:
            return (self.tcr & 0x00FF0000) | 1 << 31 | 1 << 28  # TX empty and not full
        if offset == 0x0C:
            if self.rx is None:
                return 0
            control = 0x02 if self.rx[1] is not None else 0
            return 1 << 31 | 1 << 28 | control << 16 | 1  # waiting, error-free, MC
        if offset == 0x10:
            return 0 if self.rx is None or self.rx[1] is None else self.rx[1]
        if offset == 0x14:
            if self.rx is None:
                return 0
            key = self.rx[0]
            self.rx = None
            self.core.vic.set_line(LINE_CC_RDY, False)
            self.core.vic.set_line(LINE_CC_MC, False)
            return key
        return 0

    def write(self, offset: int, value: int) -> None:
        if offset == 0x00:
            self.tcr = value
        elif offset == 0x04:
            self.tx_data = value
        elif offset == 0x08:
            payload = self.tx_data if self.tcr & 0x00020000 else None
            self.core.outbox.append((value, payload))


@dataclass
class SystemController:
    """A chip's system controller (FIRMWARE.md 11): CPU interrupts, sync
    flags, hardware locks."""

    cores: dict = field(default_factory=dict)  # physical core -> ArmCore
    flags: int = 0
    locks: int = 0
    monitor: int = 0
    chip_id: int = 0x59111012
    #: Called when a core interrupts the monitor (a message in its mailbox):
    #: the engine plays the monitor, which takes the message at once.
    on_monitor: object = None

    def _cpu_int(self, mask: int, level: bool) -> None:
        for p, core in self.cores.items():
            if mask >> p & 1:
                core.vic.set_line(LINE_CPU_INT, level)

    def read(self, offset: int) -> int:
        if offset == 0x00:
            return self.chip_id
        if offset == 0x34:
            return self.monitor
        if offset == 0x58:
            return self.flags
        if 0x100 <= offset < 0x180:
            n = (offset - 0x100) // 4
            held = self.locks >> n & 1
            self.locks |= 1 << n
            return held << 31
        if 0x180 <= offset < 0x200:
            n = (offset - 0x180) // 4
            held = self.locks >> n & 1
            self.locks &= ~(1 << n)
            return held << 31
        return 0

    def write(self, offset: int, value: int) -> None:
        if offset == 0x08 and value >> 20 == 0x5EC:
            self._cpu_int(value & 0x3FFFF, True)
            if value >> self.monitor & 1 and self.on_monitor is not None:
                self.on_monitor()
        elif offset == 0x0C and value >> 20 == 0x5EC:
            self._cpu_int(value & 0x3FFFF, False)
        elif offset == 0x58:
            self.flags |= value
        elif offset == 0x5C:
            self.flags &= ~value

    def interrupt(self, mask: int) -> None:
        """What SC_SET_IRQ does (the monitor's side)."""
        self._cpu_int(mask, True)
