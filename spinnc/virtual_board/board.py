"""The virtual board: a UDP server that speaks SC&MP 4.0 for a spinnc Machine
and runs loaded applications on the emulator.

It is both the host protocol's test partner and a feature: a laptop can run
a model behind the same interface as a real board.  The wire format is
:mod:`spinnc.formats.scp` (``spinnaker/HOST_PROTOCOL.md``); every chip's state
is :class:`~.board_state.Chip`.

Serving
    SCP on ``port`` (17893; 0 picks a free one, see :attr:`VirtualBoard.address`),
    boot packets on ``boot_port`` (54321), bound to 127.0.0.1 unless ``host``
    says otherwise.  One port serves the whole machine, even of several
    boards: a datagram to chip (255, 255) is for the first Ethernet chip,
    COUNT counts the cores of the board of the chip it is sent to.

Boot
    The board starts unbooted (unless ``booted=True``): VER answers with
    p2p_addr 0xFFFF and every other command gets RC_DEAD.  It takes boot
    packets (start with the block count, data blocks of at most 1024 bytes
    each, 32 KiB in all, then end) and, while serving, boots ``boot_delay``
    seconds after a complete image's end packet.  It sends no HELLO packets.

Memory of each chip
    SDRAM 0x60000000-0x68000000 (and the same bytes at 0x70000000-0x78000000,
    as a chip's unbuffered alias), stored sparsely (:mod:`.board_memory`: a
    WRITE costs the bytes it writes, a FILL one extent whatever its length):
    ALLOC op 0 hands out 0x60000000 up to ``sdram_sys`` (0x67800000); binaries
    are staged from ``sdram_sys``; the board's own blocks (IOBUF) come from
    0x67C00000 up.  The 256 bytes of system variables (whose unix_time follows
    ``clock``), 18 vcpu blocks and the router registers (control, error
    status, diagnostic counters) are readable and writable; anything else is
    RC_ARG.  Router entries 1-1023 are allocated with ALLOC op 3 (entry 0 is
    SC&MP's).  As in SC&MP, a non-zero SDRAM tag is held by one block per
    app id (ALLOC op 0 fails for a second one, or with the retry flag, bit
    2 of arg1 bits 23:16, returns the first if the size matches) and ALLOC op
    7 finds the block holding a tag.  All chips share one memory budget
    (``memory_limit``, 1 GiB): a WRITE or FILL that would pass it gets RC_BUF
    and is counted in :attr:`BoardCounts.memory_refused`.

Replies
    As real SC&MP sends them: flags 0x07, the SDP source and destination
    swapped with the answering chip as source, the request's seq echoed.
    SDP shorter than 24 bytes gets RC_LEN, an unknown command RC_CMD, a chip
    that does not exist or is dead RC_ROUTE, a port other than 0 RC_PORT, a
    cpu other than 0 or a core mask naming a missing core RC_CPU, out-of-range
    addresses, lengths (READ/WRITE of 0 or over 256 bytes, misaligned units)
    and fields RC_ARG, WRITE data whose length is not arg2 RC_LEN, a bad
    APP_COPY_RUN checksum RC_SUM.  Nothing a datagram holds can crash the
    board: a handler that fails answers RC_ARG and is counted.  A request
    repeated by the same client (same bytes: seq, command, args, data) is
    answered from a cache of recent replies without running it again, as
    SC&MP's own duplicate detection does, so a retried ALLOC allocates once.

How the board knows the application
    The host writes each application's ARM binary (:func:`spinnc.firmware.binary`,
    an APLX file) to the chip's ``sdram_sys`` (0x67800000); AR (or AS at any
    address, or APP_COPY_RUN from a neighbour's ``sdram_sys``) reads as many
    bytes as its APLX table claims (:func:`spinnc.formats.aplx.extent`) and
    names the application whose shipped binary it is
    (:func:`spinnc.firmware.application_of`), putting the name in each started
    core's vcpu ``app_name`` as the firmware itself does.  The name picks the
    engine's kernel; a binary that is not one of spinnc's loads as an unnamed
    application whose cores fail on start, with the reason in their IOBUF.
    APP_COPY_RUN's checksum is the sum of the binary's little-endian 32-bit
    words (zero-padded) mod 2**32, of which arg1 carries the low 29 bits
    (:func:`spinnc.formats.aplx.binary_checksum`).

Running (the contract with :mod:`spinnc.host`)
    AR with the wait flag puts cores in WAIT (5), without it they start at
    once.  Start: each core reads its data from the SDRAM address in vcpu
    user0 (its length from the region table) and checks it; bad data or an
    unknown application -> RUNTIME_EXCEPTION (2) with the reason in IOBUF,
    otherwise SYNC0 (8).  Sync0: the cores in SYNC0 go to RUN (7) and an
    Image is rebuilt from the board (each core's data and application, every
    chip's loaded router entries, dt and n_steps from the SYSTEM region, the
    board's Machine) and run by the board's engine (``engine``) in a
    background thread while the board keeps answering.  Then each core's
    recordings go to the buffer at user1 and its provenance to the block at
    user2 (:mod:`spinnc.recording`), each chip's router counts to its
    diagnostic counters, and the cores go to EXIT (11).  A run whose recording
    buffers are not allocated blocks big enough for its ticks fails at once
    (instead of after running them).  Stop frees the application: its cores
    go IDLE, its SDRAM blocks and router entries are freed, and an emulation
    still running for them ends (within :data:`RUN_SLICE` ticks) and drops
    what it held.

Faults
    ``loss``, ``duplicate``, ``delay`` and ``reorder`` are fractions of
    datagrams dropped, sent twice, held back up to ``max_delay`` seconds, or
    held until the next datagram has passed; applied to requests and/or
    replies, drawn from ``seed``, and counted in :attr:`VirtualBoard.counts`.
"""

import argparse
import logging
import selectors
import socket
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ProtocolError, SpinncError
from ..firmware_sim.engines import ENGINES, check_engine, make_engine
from ..formats import aplx
from ..formats.aplx import binary_checksum
from ..formats.iptag import IPTagEntry as IPTag
from ..formats.router_entry import ROUTER_ENTRY, unpack_entries
from ..formats.scp import (ALLOC_TAG_RETRY, BOOT_BLOCK, BOOT_DATA, BOOT_END, BOOT_IMAGE_MAX, BOOT_PORT, BOOT_START,
                        FLAG_NO_REPLY, MAX_DATA, ROUTER_DIAGNOSTICS, SCP_HEADER,
                        SCP_MIN, SCP_PORT, SDP_HEADER, SDRAM_SYS, UNBOOTED, VERSION_TEXT,
                        AllocOp, BootPacket, Command, IPTagOp, ReturnCode, RouterOp,
                        SDPHeader, Signal, State)
from ..image import CoreImage, Image
from ..machine import Machine
from ..regions import Region, read_regions
from .. import apps, recording
from .board_faults import FaultInjector, Faults, Timers
from .board_live import ANSWER_TIMEOUT, LiveCounts, LiveLink, ReverseTags
from .board_memory import MEMORY_LIMIT, MemoryBudget, MemoryFull
from .board_state import (N_CORES, ROUTER_ENTRIES, SYSTEM_HEAP, TAG_FIXED, TAG_POOL, Chip,
                          application_from_binary)

log = logging.getLogger(__name__)

BUILD_DATE = 1_700_000_000  # VER arg3: the "build date" of this SC&MP
SYSRAM_FREE = 0x6000  # INFO arg3: the monitor's free SysRAM (not modelled)
BINARY_MAX = SYSTEM_HEAP - SDRAM_SYS  # the staging area for binaries
REPLY_CACHE = 1024  # recent replies kept for duplicate requests
FLOOD_SIGNALS = {Signal.INIT, Signal.POWER_DOWN, Signal.STOP, Signal.START, Signal.EXIT}
RUN_SLICE = 100  # ticks an emulation runs between looks at whether it was stopped


class Reject(Exception):
    """A request answered with a return code other than OK."""

    def __init__(self, rc: ReturnCode, reason: str = ""):
        super().__init__(reason)
        self.rc = rc


@dataclass
class BoardCounts:
    """What the board saw and did."""

    requests: int = 0
    replies: int = 0
    cached: int = 0  # repeated requests answered from the reply cache
    errors: int = 0  # handlers that failed unexpectedly (answered RC_ARG)
    rejected: dict = field(default_factory=dict)  # return code name -> requests
    dropped: int = 0
    duplicated: int = 0
    delayed: int = 0
    reordered: int = 0
    boot_packets: int = 0
    boot_errors: int = 0
    runs: int = 0
    runs_stopped: int = 0  # emulations ended early by a stop signal (or close)
    memory_refused: int = 0  # WRITEs and FILLs refused by the memory budget (RC_BUF)
    by_board: dict = field(default_factory=dict)  # board -> requests through its Ethernet chip


@dataclass
class Emulation:
    """One run of loaded cores on the emulator, in a background thread."""

    cores: list  # (Chip, core) of the run
    n_steps: int
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    ticks: int = 0  # ticks emulated so far

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class VirtualBoard:
    """A virtual SpiNNaker board (or machine of boards) behind SC&MP 4.0 over UDP.

    Parameters
    ----------
    machine : Machine, optional
        The machine emulated (``Machine.spinn5()`` by default).
    host : str
        Address to bind (127.0.0.1: only this computer can reach the board).
    port, boot_port : int
        UDP ports for SCP and boot packets (0: any free port; None: no boot port).
    booted : bool
        Start booted instead of waiting for boot packets.
    faults : Faults, optional
        Datagrams to drop, duplicate, delay and reorder.
    boot_delay : float
        Seconds from a boot image's end packet to the board answering as booted.
    memory_limit : int
        Bytes of SDRAM contents the whole board may store (written bytes and
        fill extents); a WRITE or FILL past it is answered RC_BUF.
    clock : callable
        Seconds since 1970, for the system variables' unix_time (tests pass
        their own to let time pass).
    engine : {"python", "arm"}
        What runs the loaded cores (:mod:`spinnc.firmware_sim.engines`): the
        applications' Python kernels, or the ARM binaries the board was
        loaded with, executed instruction by instruction.
    ethernet_hosts : dict, optional
        Further boards' Ethernet chips ``(x, y)`` -> the address each answers
        at (on ``port``), as each board of a real machine has its own: a host
        may then reach every board's chips through that board's Ethernet
        chip.  Board 0 (``machine.ethernet_chips[0]``) answers at ``host``.
    answer_timeout : float
        Seconds a run with host functions waits for the host's answer of a
        tick before going on without it (:mod:`.board_live`).

    Use :meth:`start` and :meth:`close`, or ``with VirtualBoard(...) as board:``;
    :meth:`handle` answers one datagram in-process without any socket.
    """

    def __init__(self, machine: Machine | None = None, host: str = "127.0.0.1",
                 port: int = SCP_PORT, boot_port: int | None = BOOT_PORT, booted: bool = False,
                 faults: Faults | None = None, boot_delay: float = 0.5,
                 memory_limit: int = MEMORY_LIMIT, clock: Callable[[], float] = time.time,
                 engine: str = "python", ethernet_hosts: dict | None = None,
                 answer_timeout: float = ANSWER_TIMEOUT):
        self.engine = check_engine(engine)
        self.answer_timeout = float(answer_timeout)
        self.live = LiveCounts()  # the runs' host I/O
        self.reverse_tags = ReverseTags(host)
        self.machine = machine or Machine.spinn5()
        self.host, self.port, self.boot_port = host, port, boot_port
        self.ethernet_hosts = {tuple(chip): address
                               for chip, address in (ethernet_hosts or {}).items()}
        for chip in self.ethernet_hosts:
            if chip not in self.machine.ethernet_chips[1:]:
                raise ValueError(f"ethernet_hosts: {chip} is not the Ethernet chip of a "
                                 f"board after the first ({self.machine.ethernet_chips})")
        self._board_sockets: list = []  # (board, socket) of the other boards' addresses
        self.booted = booted
        self.faults = faults or Faults()
        self.boot_delay = boot_delay
        self.counts = BoardCounts()
        self.memory_limit = memory_limit
        self.budget = MemoryBudget(memory_limit)
        self.clock = clock
        self.unpowered: frozenset = frozenset()  # boards a BMP switched off (.bmp)
        self._power_cycles = 0
        self.root = self.machine.ethernet_chips[0]
        if not self.machine.is_alive(*self.root):
            raise ValueError(f"the machine's Ethernet chip {self.root} is dead: "
                             "the virtual board would be unreachable")
        self.chips: dict[tuple, Chip] = {}
        self._ethernet = set(self.machine.ethernet_chips)
        self._lock = threading.RLock()
        self._cache: OrderedDict = OrderedDict()
        self._boot: dict | None = None
        self._timers = Timers()  # boot delay, delayed and held datagrams
        self._faults = FaultInjector(self.faults, self._timers, self.counts)
        self._scp = self._boot_socket = self._thread = None
        self._closing = threading.Event()
        self._runs: list[Emulation] = []
        self._commands = {
            Command.VER: self._ver, Command.READ: self._read, Command.WRITE: self._write,
            Command.FILL: self._fill, Command.COUNT: self._count,
            Command.LINK_READ: self._link_read, Command.LINK_WRITE: self._link_write,
            Command.AR: self._ar, Command.NNP: self._nnp,
            Command.APP_COPY_RUN: self._app_copy_run, Command.SIG: self._sig,
            Command.AS: self._as, Command.IPTAG: self._iptag, Command.ALLOC: self._alloc,
            Command.RTR: self._rtr, Command.INFO: self._info,
        }

    # -- chips --------------------------------------------------------------------

    def chip(self, x: int, y: int) -> Chip:
        """Chip (x, y)'s state, made on first use (KeyError if it is missing or dead)."""
        chip = self.chips.get((x, y))
        if chip is None:
            if not self.machine.is_alive(x, y) or self.board_of(x, y) in self.unpowered:
                raise KeyError((x, y))
            chip = self.chips[x, y] = Chip(self.machine, x, y, (x, y) in self._ethernet,
                                           self.budget, self.clock)
        return chip

    def board_of(self, x: int, y: int) -> int:
        """The board chip (x, y) is on: its Ethernet chip's place in
        ``machine.ethernet_chips``."""
        return self.machine.ethernet_chips.index(self.machine.ethernet_chip(x, y))

    # -- power ------------------------------------------------------------------------

    @property
    def powered(self) -> bool:
        """Whether the board of the Ethernet chip the datagrams reach has power
        (without it nothing answers, as on a frame whose BMP switched it off)."""
        return 0 not in self.unpowered

    def set_power(self, boards, on: bool) -> None:
        """Switch boards (numbers into ``machine.ethernet_chips``) on or off, as
        a frame's BMP does (:mod:`.bmp`).  A board that loses power loses what it
        held, and one that gains it comes up from reset: either way the machine
        is unbooted again, its memories empty and its runs ended, as on real
        boards after a power cycle (which SpiNNaker's tools follow with a boot).
        The chips of boards without power do not answer (RC_ROUTE from the
        others, nothing at all when it is the first board)."""
        boards = frozenset(int(b) for b in boards)
        if not boards <= set(range(len(self.machine.ethernet_chips))):
            raise ValueError(f"boards {sorted(boards)}: the machine has boards 0 to "
                             f"{len(self.machine.ethernet_chips) - 1}")
        with self._lock:
            unpowered = self.unpowered - boards if on else self.unpowered | boards
            if unpowered == self.unpowered and not on:
                return  # already off: nothing changes
            self.unpowered = unpowered
            self._power_cycles += 1
            for run in self._runs:
                run.cancel.set()
            self.chips.clear()
            self.reverse_tags.close()
            self._cache.clear()
            self.budget = MemoryBudget(self.memory_limit)
            self.booted, self._boot = False, None

    @property
    def stored_bytes(self) -> int:
        """Bytes the board's memories hold (its own accounting: written bytes
        plus the bookkeeping of every extent)."""
        return self.budget.used

    def _chip_or_route(self, x: int, y: int, what: str = "chip") -> Chip:
        try:
            return self.chip(x, y)
        except KeyError:
            raise Reject(ReturnCode.ROUTE, f"{what} ({x}, {y}) does not exist or is dead")

    # -- datagrams ---------------------------------------------------------------

    def handle(self, datagram: bytes, client=("127.0.0.1", 0), board: int = 0) -> list[bytes]:
        """Answer one SCP datagram from ``client`` that reached the Ethernet
        chip of ``board``: the replies to send (none when the request asks for
        no reply or cannot be answered at all, or that board has no power)."""
        with self._lock:
            if board in self.unpowered:
                return []
            self.counts.requests += 1
            self.counts.by_board[board] = self.counts.by_board.get(board, 0) + 1
            datagram = bytes(datagram)
            try:
                replies = self._handle(datagram, client)
            except Exception:  # never let a datagram take the board down
                log.exception("virtual board: a request failed")
                self.counts.errors += 1
                replies = self._fallback(datagram)
            self.counts.replies += len(replies)
            return replies

    def _fallback(self, datagram: bytes) -> list[bytes]:
        if len(datagram) < SDP_HEADER.size + 4:
            return []
        sdp = SDPHeader.unpack(datagram)
        seq = struct.unpack_from("<H", datagram, SDP_HEADER.size + 2)[0]
        self._reject_count(ReturnCode.ARG)
        return [self._reply(sdp, self.root, ReturnCode.ARG, seq)] if sdp.flags & 0x80 else []

    def _reject_count(self, rc: ReturnCode) -> None:
        name = ReturnCode(rc).name
        self.counts.rejected[name] = self.counts.rejected.get(name, 0) + 1

    def _reply(self, sdp: SDPHeader, chip: tuple, rc: int, seq: int, args=(),
               data: bytes = b"") -> bytes:
        head = SDPHeader(FLAG_NO_REPLY, sdp.tag, sdp.src_port_cpu, sdp.dest_port_cpu,
                         sdp.src, chip).pack()
        return head + struct.pack(f"<HH{len(args)}I", rc, seq & 0xFFFF,
                                  *(a & 0xFFFFFFFF for a in args)) + bytes(data)

    def _handle(self, datagram: bytes, client) -> list[bytes]:
        if len(datagram) < SDP_HEADER.size:
            self._reject_count(ReturnCode.LEN)
            return []  # not even an SDP header: nobody to answer
        sdp = SDPHeader.unpack(datagram)
        want_reply = bool(sdp.flags & 0x80)
        where = self.root if sdp.dest == (255, 255) else sdp.dest
        if len(datagram) < SCP_MIN:
            seq = (struct.unpack_from("<H", datagram, SDP_HEADER.size + 2)[0]
                   if len(datagram) >= SDP_HEADER.size + 4 else 0)
            self._reject_count(ReturnCode.LEN)
            return [self._reply(sdp, where, ReturnCode.LEN, seq)] if want_reply else []
        key = (client, datagram[2:])
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.counts.cached += 1
            return [cached] if want_reply else []
        cmd, seq, a1, a2, a3 = SCP_HEADER.unpack_from(datagram, SDP_HEADER.size)
        data = datagram[SCP_MIN:]
        try:
            args, payload = self._dispatch(sdp, where, cmd, a1, a2, a3, data, client)
            rc = ReturnCode.OK
        except Reject as reject:
            args, payload, rc = (), b"", reject.rc
            self._reject_count(rc)
            log.debug("virtual board: command %s to %s: %s: %s", cmd, where,
                      ReturnCode(rc).name, reject)
        reply = self._reply(sdp, where, rc, seq, args, payload)
        self._cache[key] = reply
        if len(self._cache) > REPLY_CACHE:
            self._cache.popitem(last=False)
        return [reply] if want_reply else []

    def _dispatch(self, sdp, where, cmd, a1, a2, a3, data, client):
        handler = self._commands.get(cmd)
        if handler is None:
            raise Reject(ReturnCode.CMD, f"unknown command {cmd}")
        chip = self._chip_or_route(*where)
        port, cpu = sdp.dest_port_cpu >> 5, sdp.dest_port_cpu & 0x1F
        if port != 0:
            raise Reject(ReturnCode.PORT, f"SDP port {port}: SC&MP listens on port 0")
        if cpu != 0:
            raise Reject(ReturnCode.CPU, f"cpu {cpu}: SC&MP runs on cpu 0")
        if not self.booted and cmd != Command.VER:
            raise Reject(ReturnCode.DEAD, "the board is not booted")
        try:
            return handler(chip, a1, a2, a3, data, client)
        except MemoryFull as full:
            self.counts.memory_refused += 1
            raise Reject(ReturnCode.BUF, str(full))

    # -- memory commands ------------------------------------------------------------

    @staticmethod
    def _check_transfer(address: int, length: int, unit: int) -> None:
        if not 0 < length <= MAX_DATA:
            raise Reject(ReturnCode.ARG, f"length {length}: 1-{MAX_DATA} bytes per packet")
        if unit > 2:
            raise Reject(ReturnCode.ARG, f"unit {unit}: 0 byte, 1 half-word or 2 word")
        size = 1 << unit
        if address % size or length % size:
            raise Reject(ReturnCode.ARG, f"{address:#x}+{length} is not aligned to {size}")

    @staticmethod
    def _check_range(chip: Chip, address: int, length: int) -> None:
        if not chip.valid(address, length):
            raise Reject(ReturnCode.ARG, f"{address:#010x}+{length} is not memory of chip "
                         f"({chip.x}, {chip.y}) the host can reach")

    def _ver(self, chip, a1, a2, a3, data, client):
        p2p = (chip.x << 8 | chip.y) if self.booted else UNBOOTED
        return (p2p << 16, 0xFFFF0000 | MAX_DATA, BUILD_DATE), VERSION_TEXT

    def _read(self, chip, a1, a2, a3, data, client):
        self._check_transfer(a1, a2, a3)
        self._check_range(chip, a1, a2)
        return (), chip.read(a1, a2)

    def _write(self, chip, a1, a2, a3, data, client):
        self._check_transfer(a1, a2, a3)
        if len(data) != a2:
            raise Reject(ReturnCode.LEN, f"{len(data)} bytes of data for a {a2}-byte write")
        self._check_range(chip, a1, a2)
        chip.write(a1, data)
        return (), b""

    def _fill(self, chip, a1, a2, a3, data, client):
        if a1 % 4 or a3 % 4:
            raise Reject(ReturnCode.ARG, f"FILL of {a3} bytes at {a1:#x}: not word-aligned")
        if a3:
            self._check_range(chip, a1, a3)
            word = struct.pack("<I", a2)
            if chip.sdram.contains(a1, a3):
                chip.sdram.fill(a1, word, a3)
            else:
                chip.write(a1, word * (a3 // 4))
        return (), b""

    def _link_chip(self, chip: Chip, link: int) -> Chip:
        if link > 5:
            raise Reject(ReturnCode.ARG, f"link {link}: links are 0-5")
        other = self.machine.neighbour(chip.x, chip.y, link)
        if other is None:
            raise Reject(ReturnCode.ROUTE, f"link {link} of chip ({chip.x}, {chip.y}) is dead")
        return self.chip(*other)

    def _link_transfer(self, chip, address, length, link) -> Chip:
        other = self._link_chip(chip, link)
        self._check_transfer(address, length, 2)
        self._check_range(other, address, length)
        return other

    def _link_read(self, chip, a1, a2, a3, data, client):
        return (), self._link_transfer(chip, a1, a2, a3).read(a1, a2)

    def _link_write(self, chip, a1, a2, a3, data, client):
        other = self._link_transfer(chip, a1, a2, a3)
        if len(data) != a2:
            raise Reject(ReturnCode.LEN, f"{len(data)} bytes of data for a {a2}-byte write")
        other.write(a1, data)
        return (), b""

    # -- applications ---------------------------------------------------------------

    def _count(self, chip, a1, a2, a3, data, client):
        if a1 > 0xFF or a2 > 0xF:
            raise Reject(ReturnCode.ARG, f"COUNT of app {a1} in state {a2}")
        board = self.machine.ethernet_chip(chip.x, chip.y)
        n = sum(1 for c in self.chips.values()
                if self.machine.ethernet_chip(c.x, c.y) == board
                for core in c.cores if c.state(core) == a2 and c.app_id(core) == a1)
        return (n,), b""

    def _run_binary(self, chip: Chip, binary: bytes, spec: int) -> None:
        """AR/AS/APP_COPY_RUN: start ``binary`` on the cores of ``spec``
        (app_id << 24 | flags << 18 | core mask)."""
        app_id, flags, mask = spec >> 24, (spec >> 18) & 0x3F, spec & ((1 << N_CORES) - 1)
        cores = [c for c in range(N_CORES) if mask >> c & 1]
        bad = [c for c in cores if c not in chip.cores or chip.state(c) == State.RUN]
        if bad:
            raise Reject(ReturnCode.CPU, f"cores {bad} of chip ({chip.x}, {chip.y}) are not "
                         "free application cores")
        name = application_from_binary(binary)
        for core in cores:
            chip.load_core(core, app_id, name, State.WAIT if flags & 1 else State.INIT, binary)
            if not flags & 1:
                chip.start_core(core)

    @staticmethod
    def _staged(read, room: int) -> bytes:
        """The binary at an address (``read(offset, n)``, ``room`` bytes
        there): as much as its APLX table claims, or what there is if that is
        not an APLX table (its cores then fail, naming it)."""
        head = read(0, min(room, aplx.HEADER_BYTES))
        try:
            length = aplx.extent(head)
        except ProtocolError:
            return head
        return read(0, min(room, length))

    def _ar(self, chip, a1, a2, a3, data, client):
        binary = self._staged(lambda at, n: chip.read(SDRAM_SYS + at, n), BINARY_MAX)
        self._run_binary(chip, binary, a1)
        return (), b""

    def _as(self, chip, a1, a2, a3, data, client):
        if not chip.sdram.contains(a1, 16):
            raise Reject(ReturnCode.ARG, f"binary address {a1:#010x} is not in SDRAM")
        binary = self._staged(lambda at, n: chip.sdram.read(a1 + at, n),
                              chip.sdram.end - chip.sdram.canonical(a1))
        self._run_binary(chip, binary, a2)
        return (), b""

    def _app_copy_run(self, chip, a1, a2, a3, data, client):
        link, checksum = a1 & 7, a1 >> 3
        if not 0 < a2 <= BINARY_MAX:
            raise Reject(ReturnCode.ARG, f"binary of {a2} bytes: 1-{BINARY_MAX} fit sdram_sys")
        other = self._link_chip(chip, link)
        binary = other.read(SDRAM_SYS, a2)
        got = binary_checksum(binary) & 0x1FFFFFFF
        if got != checksum:
            raise Reject(ReturnCode.SUM, f"checksum {got:#x} of the copied binary, "
                         f"expected {checksum:#x}")
        chip.write(SDRAM_SYS, binary)
        self._run_binary(chip, binary, a3)
        return (), b""

    def _nnp(self, chip, a1, a2, a3, data, client):
        return (), b""  # accepted; nearest-neighbour packets have no effect here

    def _sig(self, chip, a1, a2, a3, data, client):
        if a1 == 1:
            raise Reject(ReturnCode.ARG, "point-to-point signals were removed in SC&MP 4.0")
        if a1 not in (0, 2):
            raise Reject(ReturnCode.ARG, f"signal type {a1}: 0 multicast or 2 nearest-neighbour")
        signal, mask, app_id = (a2 >> 16) & 0xFF, (a2 >> 8) & 0xFF, a2 & 0xFF
        if signal > Signal.USR3 or a2 >> 24:
            raise Reject(ReturnCode.ARG, f"signal {a2 >> 16}")
        cores = [(c, core) for c in list(self.chips.values()) for core in c.cores_of(app_id, mask)]
        if signal == Signal.START:
            for c, core in cores:
                if c.state(core) == State.WAIT:
                    c.start_core(core)
        elif signal == Signal.SYNC0:
            self._start_run([(c, core) for c, core in cores if c.state(core) == State.SYNC0])
        elif signal == Signal.STOP:
            self._stop(cores, app_id, mask)
        elif signal == Signal.EXIT:
            for c, core in cores:
                c.set_state(core, State.EXIT)
        return (), b""

    def _stop(self, cores, app_id: int, mask: int) -> None:
        stopped = {(c.x, c.y, core) for c, core in cores}
        for run in self._runs:  # their emulations end: nothing will read them
            if any((c.x, c.y, core) in stopped for c, core in run.cores):
                run.cancel.set()
        for c, core in cores:
            c.load_core(core, 0, "", State.IDLE)
        for c in self.chips.values():
            for block in [b for b in c.heap.blocks.values() if b.app_id & mask == app_id]:
                c.heap.free(block.start)
            for block in [b for b in c.router_blocks.blocks.values()
                          if b.app_id & mask == app_id]:
                c.router_blocks.free(block.start)
                c.clear_router(slice(block.start, block.start + block.size))

    def _start_run(self, cores) -> None:
        if not cores:
            return
        try:
            image = self._image_of(cores)
        except Exception as error:  # whatever the cores' data hold
            for c, core in cores:
                c.fail(core, f"cannot run: {error}")
            return
        for c, core in cores:
            c.set_state(core, State.RUN)
        self._check_buffers(image, cores)
        self.counts.runs += 1
        self._runs = [r for r in self._runs if r.alive()]
        run = Emulation(cores, image.n_steps)
        run.thread = threading.Thread(target=self._run, args=(image, run), daemon=True,
                                      name="virtual-board-run")
        self._runs.append(run)
        run.thread.start()

    def _image_of(self, cores) -> Image:
        """The Image the board holds for these cores: their data and
        applications, every chip's loaded entries, dt and n_steps from SYSTEM."""
        images = [CoreImage(c.x, c.y, core, c.app_name(core),
                            f"{c.app_name(core)} ({c.x}, {c.y}, {core})", c.core_data[core],
                            c.app_id(core)) for c, core in cores]
        system = read_regions(images[0].data)[Region.SYSTEM][0]
        if not system["timestep_us"]:
            raise ValueError("the SYSTEM region's timestep is 0")
        tables = {(c.x, c.y): c.table() for c in self.chips.values() if c.router["used"].any()}
        # A board knows a host function by its cores, each on its own: host_out
        # first, so that each tick's input reaches the host before the
        # host_in cores wait for their answers.
        hosted = sorted((c for c in images if apps.application(c.application).host_function),
                        key=lambda c: c.application != "host_out")
        host_functions = {c.name: apps.application(c.application).host_spec(
            read_regions(c.data)) for c in hosted}
        return Image(self.machine, system["timestep_us"] / 1e6, int(system["n_steps"]),
                     images, tables, host_functions=host_functions)

    @staticmethod
    def _check_buffers(image: Image, cores) -> None:
        """Fail now, not after running every tick, the cores whose recording
        buffer (at user1) is not an allocated block as big as the ticks need."""
        for (c, core), core_image in zip(cores, image.cores):
            try:
                size = recording.recording_size(image, core_image)
            except ValueError as error:
                c.fail(core, f"cannot run: {error}")
                continue
            address = c.user(core, 1)
            if size and c.heap.owner(address, size) is None:
                c.fail(core, f"the recording buffer at user1 ({address:#010x}) is not an "
                       f"allocated block of the {size} bytes {image.n_steps} ticks need")

    def _run(self, image: Image, run: Emulation) -> None:
        """The run thread: emulate (a slice at a time, ending early if the
        cores are stopped), then publish results under the lock."""
        cores = run.cores
        try:
            # The arm engine executes the binaries the cores were loaded with.
            binaries = {c.app_name(core): c.binaries[core] for c, core in cores}
            emulator = make_engine(self.engine, image, firmware=binaries)
            host = (LiveLink(image, self.chip(*self.root).tags, self.reverse_tags,
                             self._send_to_host, self.live, run.cancel, self.answer_timeout)
                    if image.host_functions else None)
            while run.ticks < run.n_steps:
                if run.cancel.is_set():
                    with self._lock:
                        self.counts.runs_stopped += 1
                    return  # stopped: what it recorded goes with the thread
                step = min(RUN_SLICE, run.n_steps - run.ticks)
                emulator.run(step, host=host)
                run.ticks += step
            provenance = emulator.provenance()
            in_image = {(c.x, c.y, c.core): c for c in image.cores}
            results = {(c.x, c.y, core): (
                emulator.recording_buffer(c.x, c.y, core),
                recording.pack_provenance(provenance.core(c.x, c.y, core),
                                          provenance.profiles.get((c.x, c.y, core)),
                                          recording.profile_ticks(in_image[c.x, c.y, core])),
                emulator.region_data(c.x, c.y, core)) for c, core in cores}
            counters = {(r.x, r.y): recording.pack_router_counters(r)
                        for r in provenance.routers}
            error = None
        except Exception as exc:  # the cores fail with the reason, the board goes on
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            if run.cancel.is_set():  # stopped while the last slice ran: its cores are gone
                self.counts.runs_stopped += 1
                return
            if error is None:  # this run's counts replace the last run's
                for chip in self.chips.values():
                    chip.write(ROUTER_DIAGNOSTICS, bytes(recording.ROUTER_COUNTER_BYTES))
                for (x, y), words in counters.items():
                    self.chip(x, y).write(ROUTER_DIAGNOSTICS, words)
            for c, core in cores:
                if c.state(core) != State.RUN:
                    continue  # stopped meanwhile
                if error is not None:
                    c.fail(core, error)
                    continue
                recorded, block, data = results[c.x, c.y, core]
                # (the region data: what the cores learned, written back as their firmware does)
                if self._publish(c, core, 1, recorded, "recording buffer") and \
                        self._publish(c, core, 2, block, "provenance block") and \
                        self._publish(c, core, 0, data, "region data"):
                    c.set_state(core, State.EXIT)

    @staticmethod
    def _publish(c: Chip, core: int, user: int, data: bytes, what: str) -> bool:
        if not data:
            return True
        address = c.user(core, user)
        if address == 0 and user == 2:
            return True  # no provenance asked for
        if c.heap.owner(address, len(data)) is None:
            c.fail(core, f"the {what} at user{user} ({address:#010x}) is not an allocated "
                   f"block of the {len(data)} bytes it needs")
            return False
        try:
            c.sdram.write(address, data)
        except MemoryFull as full:
            c.fail(core, f"cannot store its {what}: {full}")
            return False
        return True

    def _send_to_host(self, datagram: bytes, address) -> None:
        """A datagram through an IP tag, from the root Ethernet chip's address."""
        if self._scp is not None:
            self._send(datagram, address, self._scp)

    def wait_runs(self, timeout: float = 60.0) -> None:
        """Wait for the background runs to finish (for tests)."""
        for run in list(self._runs):
            run.thread.join(timeout)

    # -- tables -----------------------------------------------------------------------

    def _iptag(self, chip, a1, a2, a3, data, client):
        op, tag = (a1 >> 16) & 0xF, a1 & 0xFF
        strip, reverse, use_sender = a1 >> 28 & 1, a1 >> 29 & 1, a1 >> 30 & 1
        n_tags = TAG_FIXED + TAG_POOL
        if op == IPTagOp.TTO:
            if a2 != 255:
                if a2 > 15:
                    raise Reject(ReturnCode.ARG, f"tag timeout code {a2}: 0-15")
                chip.tag_timeout = a2
            return (chip.tag_timeout | TAG_POOL << 16 | TAG_FIXED << 24,), b""
        if op == IPTagOp.NEW:
            tag = next((t for t in range(TAG_FIXED, n_tags)
                        if not chip.tags[t].flags & IPTag.IN_USE), None)
            if tag is None:
                raise Reject(ReturnCode.BUF, "no free transient IP tag")
        elif op > IPTagOp.TTO:
            raise Reject(ReturnCode.ARG, f"IPTAG op {op}")
        if tag >= n_tags:
            raise Reject(ReturnCode.ARG, f"IP tag {tag}: tags are 0-{n_tags - 1}")
        if op == IPTagOp.GET:
            count = max(a2, 1)
            if tag + count > n_tags:
                raise Reject(ReturnCode.ARG, f"IP tags {tag}-{tag + count - 1}")
            return (), b"".join(t.pack() for t in chip.tags[tag:tag + count])
        root = (chip.x, chip.y) == self.root  # whose reverse tags take datagrams
        if op == IPTagOp.CLEAR:
            chip.tags[tag] = IPTag()
            if root:
                self.reverse_tags.close(tag)
            return (), b""
        ip = struct.pack("<I", a3)
        port = a2 & 0xFFFF
        if use_sender or a3 == 0:
            ip = socket.inet_aton(client[0]) if _is_ipv4(client[0]) else b"\0\0\0\0"
        if use_sender and port == 0:
            port = client[1]
        flags = IPTag.IN_USE | (IPTag.STRIP if strip else 0) | (IPTag.REVERSE if reverse else 0)
        if root and reverse:
            failed = self.reverse_tags.open(tag, port)
            if failed is not None:
                raise Reject(ReturnCode.BUF, f"reverse IP tag {tag}: {failed}")
        elif root:
            self.reverse_tags.close(tag)
        chip.tags[tag] = IPTag(ip, 0 if reverse else port, chip.tag_timeout, flags, 0,
                               port if reverse else 0, a2 >> 16, (a1 >> 8) & 0xFF)
        return (tag,), b""

    def _alloc(self, chip, a1, a2, a3, data, client):
        op, app_id, flags = a1 & 0xFF, (a1 >> 8) & 0xFF, (a1 >> 16) & 0xFF
        if op == AllocOp.SDRAM:
            if a3 > 0xFF:
                return (0,), b""  # SC&MP's sark_xalloc: tags are 0-255
            address = chip.heap.alloc(a2, app_id, a3, bool(flags & ALLOC_TAG_RETRY)) \
                if a2 else None
            return (address or 0,), b""
        if op == AllocOp.TAG_POINTER:
            block = chip.heap.tagged(app_id, a2 & 0xFF) if a2 & 0xFF else None
            return (block.start if block else 0,), b""
        if op == AllocOp.FREE_SDRAM:
            if chip.heap.free(a2) is None:
                raise Reject(ReturnCode.ARG, f"no SDRAM block at {a2:#010x}")
            return (), b""
        if op == AllocOp.FREE_SDRAM_BY_APP:
            return (len(chip.heap.free_app(app_id)),), b""
        if op == AllocOp.RTR:
            first = chip.router_blocks.alloc(a2, app_id) if 0 < a2 < ROUTER_ENTRIES else None
            return (first or 0,), b""
        if op == AllocOp.FREE_RTR:
            block = chip.router_blocks.free(a2)
            if block is None:
                raise Reject(ReturnCode.ARG, f"no router entries allocated at {a2}")
            chip.clear_router(slice(block.start, block.start + block.size))
            return (), b""
        if op == AllocOp.FREE_RTR_BY_APP:
            blocks = chip.router_blocks.free_app(app_id)
            for block in blocks:
                chip.clear_router(slice(block.start, block.start + block.size))
            return (len(blocks),), b""
        if op == AllocOp.FREE_SPACE:
            return (chip.heap.free_total(), chip.heap.largest_free()), b""
        raise Reject(ReturnCode.ARG, f"ALLOC op {op}")

    def _rtr(self, chip, a1, a2, a3, data, client):
        op, count = a1 & 0xFF, a1 >> 16
        if op == RouterOp.INIT:
            chip.router_blocks.clear()
            chip.clear_router(slice(None))
        elif op == RouterOp.CLEAR:
            count = max(count, 1)  # SC&MP's rtr_mc_clear(entry, count)
            if a2 + count > ROUTER_ENTRIES:
                raise Reject(ReturnCode.ARG, f"router entries {a2}-{a2 + count - 1}: entries "
                             "are 0-1023")
            chip.clear_router(slice(a2, a2 + count))
        elif op == RouterOp.LOAD:
            self._load_entries(chip, count, a2, a3)
        elif op == RouterOp.FIXED:
            if a2 >> 31:
                return (chip.fixed_route,), b""
            chip.fixed_route = a2 & 0xFFFFFF
        else:
            raise Reject(ReturnCode.ARG, f"RTR op {op}")
        return (), b""

    def _load_entries(self, chip: Chip, count: int, address: int, first: int) -> None:
        if not count:
            return
        if chip.router_blocks.owner(first, count) is None:
            raise Reject(ReturnCode.ARG, f"router entries {first}-{first + count - 1} of chip "
                         f"({chip.x}, {chip.y}) are not allocated (ALLOC op 3 first)")
        size = ROUTER_ENTRY.size * count
        if not chip.sdram.contains(address, size):
            raise Reject(ReturnCode.ARG, f"{count} router entries at {address:#010x} are not "
                         "in SDRAM")
        raw = unpack_entries(chip.sdram.read(address, size))
        rows = chip.router[first:first + count]
        rows["key"], rows["mask"] = raw["key"], raw["mask"]
        rows["route"], rows["app_id"], rows["used"] = raw["route"] & 0xFFFFFF, raw["free"], True

    def _info(self, chip, a1, a2, a3, data, client):
        links = sum(1 << int(link) for link in self.machine.links(chip.x, chip.y))
        n_cores = 1 + len(chip.cores)
        arg1 = (n_cores & 0x1F | links << 8 | min(chip.largest_router_block(), 0x7FF) << 14
                | int(chip.ethernet) << 25)
        ex, ey = self.machine.ethernet_chip(chip.x, chip.y)
        host = self.ethernet_hosts.get((ex, ey), self.host)
        ip = socket.inet_aton(host) if _is_ipv4(host) else b"\x7f\0\0\1"
        states = bytes(chip.state(core) for core in range(N_CORES))
        payload = states + bytes([ey, ex]) + ip + struct.pack("<H", self._root_link(chip))
        return (arg1, chip.heap.largest_free(), SYSRAM_FREE), payload

    def _root_link(self, chip: Chip) -> int:
        """The link towards the root chip (0 on the root itself)."""
        best, link = int(self.machine.hops(chip.x, chip.y, *self.root)), 0
        for candidate in self.machine.links(chip.x, chip.y):
            nx, ny = self.machine.neighbour(chip.x, chip.y, candidate)
            hops = int(self.machine.hops(nx, ny, *self.root))
            if hops < best:
                best, link = hops, int(candidate)
        return link

    # -- boot ---------------------------------------------------------------------------

    def handle_boot(self, datagram: bytes) -> None:
        """Take one boot packet (a bad one is counted and restarts the boot)."""
        with self._lock:
            if not self.powered:
                return
            self.counts.boot_packets += 1
            try:
                self._boot_packet(BootPacket.unpack(bytes(datagram)))
            except (ProtocolError, ValueError) as error:
                log.info("virtual board: bad boot packet: %s", error)
                self.counts.boot_errors += 1
                self._boot = None

    def _boot_packet(self, packet: BootPacket) -> None:
        if packet.opcode == BOOT_START:
            blocks = packet.arg3 + 1
            if blocks * BOOT_BLOCK > BOOT_IMAGE_MAX:
                raise ValueError(f"boot image of {blocks} blocks is over "
                                 f"{BOOT_IMAGE_MAX} bytes")
            self._boot = {"blocks": blocks, "received": {}}
        elif packet.opcode == BOOT_DATA:
            if self._boot is None:
                raise ValueError("boot data before the start packet")
            block, words = packet.arg1 & 0xFF, (packet.arg1 >> 8) + 1
            if block >= self._boot["blocks"] or 4 * words > BOOT_BLOCK or \
                    len(packet.data) != 4 * words:
                raise ValueError(f"boot block {block} of {len(packet.data)} bytes "
                                 f"({words} words announced)")
            self._boot["received"][block] = packet.data
        elif packet.opcode == BOOT_END:
            if self._boot is None or len(self._boot["received"]) != self._boot["blocks"]:
                raise ValueError("boot end before every block arrived")
            self._boot = None
            cycle = self._power_cycles
            self._timers.later(self.boot_delay, lambda: self._become_booted(cycle))
        # other opcodes (HELLO from another board) are ignored

    def _become_booted(self, cycle: int) -> None:
        with self._lock:
            if cycle == self._power_cycles:  # not a boot from before a power cycle
                self.booted = True

    # -- UDP and faults ------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the SCP socket is bound to."""
        return self._scp.getsockname() if self._scp else (self.host, self.port)

    @property
    def boot_address(self) -> tuple[str, int] | None:
        return self._boot_socket.getsockname() if self._boot_socket else None

    def start(self) -> "VirtualBoard":
        """Bind the sockets and serve in a daemon thread.

        Raises
        ------
        SpinncError
            If a port is out of range or cannot be bound (in use, or ``host``
            is not an address of this computer).
        """
        self._scp = self._bind(self.port, "SCP")
        try:
            if self.boot_port is not None:
                self._boot_socket = self._bind(self.boot_port, "boot")
            for chip, host in self.ethernet_hosts.items():
                board = self.machine.ethernet_chips.index(chip)
                self._board_sockets.append(
                    (board, self._bind(self._scp.getsockname()[1], f"board {board}'s SCP", host)))
        except SpinncError:
            for sock in [self._scp, self._boot_socket] + [s for _, s in self._board_sockets]:
                if sock is not None:
                    sock.close()
            self._scp = self._boot_socket = None
            self._board_sockets = []
            raise
        self._thread = threading.Thread(target=self._serve, daemon=True, name="virtual-board")
        self._thread.start()
        return self

    def _bind(self, port, what: str, host: str | None = None) -> socket.socket:
        port = check_port(port, f"the {what} port", allow_any=True)
        host = self.host if host is None else host
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError as error:  # in use, or not an address of this computer
            sock.close()
            reason = error.strerror or str(error)
            raise SpinncError(f"cannot serve {what} on {host}:{port}: {reason}; choose "
                              f"another port (0 picks a free one) or host") from None
        return sock

    def close(self) -> None:
        for run in self._runs:  # emulations end with the board
            run.cancel.set()
        self._closing.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for sock in [self._scp, self._boot_socket] + [s for _, s in self._board_sockets]:
            if sock is not None:
                sock.close()
        self._scp = self._boot_socket = self._thread = None
        self._board_sockets = []
        self.reverse_tags.close()

    def __enter__(self) -> "VirtualBoard":
        return self.start() if self._scp is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._scp, selectors.EVENT_READ, 0)  # board 0's SCP
        for board, sock in self._board_sockets:
            selector.register(sock, selectors.EVENT_READ, board)
        if self._boot_socket is not None:
            selector.register(self._boot_socket, selectors.EVENT_READ, "boot")
        while not self._closing.is_set():
            for key, _ in selector.select(self._timers.wait(0.1)):
                try:
                    datagram, client = key.fileobj.recvfrom(65536)
                except OSError:
                    continue
                if key.data == "boot":
                    self.handle_boot(datagram)
                else:
                    self._faults.through("requests", lambda d=datagram, c=client, k=key:
                                         self._answer(d, c, k.data, k.fileobj))
            self._timers.run_due()
        selector.close()

    def _answer(self, datagram: bytes, client, board: int, sock) -> None:
        """Answer from the socket the request came to (a board's own address)."""
        for reply in self.handle(datagram, client, board):
            self._faults.through("replies", lambda r=reply, c=client: self._send(r, c, sock))

    @staticmethod
    def _send(reply: bytes, client, sock) -> None:
        try:
            sock.sendto(reply, client)
        except OSError:
            pass  # the client went away; UDP promises nothing more


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_aton(text)
        return text.count(".") == 3
    except OSError:
        return False


# -- serving from the command line ------------------------------------------------------


def serve(machine: Machine | None = None, host: str = "127.0.0.1", port: int = SCP_PORT,
          boot_port: int | None = BOOT_PORT, loss: float = 0.0, duplicate: float = 0.0,
          delay: float = 0.0, reorder: float = 0.0, seed: int | None = None,
          booted: bool = False, boot_delay: float = 0.5, memory_limit: int = MEMORY_LIMIT,
          clock: Callable[[], float] = time.time, engine: str = "python",
          ethernet_hosts: dict | None = None,
          answer_timeout: float = ANSWER_TIMEOUT) -> VirtualBoard:
    """Start a virtual board serving in a daemon thread; ``close()`` it when done.

    See :class:`VirtualBoard` and :class:`Faults` for the parameters.
    """
    faults = Faults(loss, duplicate, delay, reorder, seed)
    return VirtualBoard(machine, host, port, boot_port, booted, faults, boot_delay,
                        memory_limit, clock, engine, ethernet_hosts, answer_timeout).start()


def board_host(text: str) -> tuple[tuple[int, int], str]:
    """``X,Y=HOST`` -> ((x, y), host), for ``--board-host``."""
    chip, _, host = text.partition("=")
    x, _, y = chip.partition(",")
    if not (x.strip().isdigit() and y.strip().isdigit() and host.strip()):
        raise SpinncError(f"--board-host {text!r}: give a board's Ethernet chip and its "
                          "address as X,Y=HOST (e.g. 8,4=127.0.1.2)")
    return (int(x), int(y)), host.strip()


def check_port(port, what: str = "port", allow_any: bool = False) -> int:
    """``port`` as a UDP port number (0, any free port, only with ``allow_any``).

    Raises
    ------
    SpinncError
        Naming ``what`` and the value, if it is not a whole number in range.
    """
    low = 0 if allow_any else 1
    try:
        number = int(str(port).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= 65535:
        raise SpinncError(f"{what} {port!r}: give a UDP port number from {low} to 65535".strip()
                          + (" (0 picks a free one)" if allow_any else ""))
    return number


def check_fraction(value, what: str) -> float:
    """``value`` as a fraction of datagrams, 0 to 1.

    Raises
    ------
    SpinncError
        Naming ``what`` and the value otherwise (NaN included).
    """
    try:
        number = float(str(value).strip())
    except ValueError:
        number = None
    if number is None or not 0.0 <= number <= 1.0:  # False for NaN too
        raise SpinncError(f"{what} {value!r}: give a fraction of datagrams from 0 to 1".strip())
    return number


def check_seconds(value, what: str) -> float:
    """A time of at least 0 seconds (a SpinncError naming ``what`` otherwise)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise SpinncError(f"{what} {value!r}: give seconds, e.g. 0.5".strip()) from None
    if not seconds >= 0 or seconds == float("inf"):
        raise SpinncError(f"{what} {value!r}: give seconds of at least 0".strip())
    return seconds


def _argument(check, *args):
    """An argparse ``type`` from a check above: its message as argparse's."""
    def convert(text):
        try:
            return check(text, *args)
        except SpinncError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    convert.__name__ = check.__name__
    return convert


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``spinnc board serve`` (each checked as it is parsed)."""
    parser.add_argument("--machine", default="spinn5",
                        help="spinn3, spinn5, N-boards, WxH[-torus] or a machine JSON file")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this computer only)")
    parser.add_argument("--port", type=_argument(check_port, "", True), default=SCP_PORT,
                        help="SCP UDP port (0: any free port)")
    parser.add_argument("--boot-port", type=_argument(check_port, "", True),
                        default=BOOT_PORT, help="boot UDP port (0: any free port)")
    for name in ("loss", "duplicate", "delay", "reorder"):
        parser.add_argument(f"--{name}", type=_argument(check_fraction, ""),
                            default=0.0, help=f"fraction of datagrams to {name} (0-1)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the faults")
    parser.add_argument("--booted", action="store_true",
                        help="start booted instead of waiting for boot packets")
    parser.add_argument("--engine", choices=ENGINES, default="python",
                        help="what runs the loaded cores: 'python' (the applications' Python "
                        "kernels) or 'arm' (the ARM binaries loaded, executed instruction by "
                        "instruction)")
    parser.add_argument("--board-host", metavar="X,Y=HOST", action="append", default=[],
                        type=_argument(board_host),
                        help="another board's Ethernet chip X,Y answers at HOST too (on "
                        "--port), as each board of a machine has its own address; repeat "
                        "for each board")
    parser.add_argument("--answer-timeout", type=_argument(check_seconds, ""),
                        default=ANSWER_TIMEOUT,
                        help="seconds a run with live host functions waits for the host's "
                        "answer of each tick before going on without it (default 1)")
    parser.add_argument("--bmp", metavar="HOST[:PORT]",
                        help="also serve the frame's BMP there (port 17893; another address "
                        "than --host, e.g. 127.0.1.100), so that spalloc-server can power "
                        "the boards (which then start without power)")


def serve_forever(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """``spinnc board serve``: serve until interrupted (or ``stop`` is set);
    0 on a clean stop.  ``args`` holds the options of :func:`add_arguments`.

    Raises
    ------
    SpinncError
        For a machine, port or fault fraction that cannot be served, or a
        port that cannot be bound.
    """
    spec = getattr(args, "machine", None) or "spinn5"
    try:
        machine = Machine.from_spec(spec)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise SpinncError(f"--machine {spec}: {error}") from None
    port = check_port(getattr(args, "port", SCP_PORT), "--port", allow_any=True)
    boot_port = getattr(args, "boot_port", BOOT_PORT)
    if boot_port is not None:
        boot_port = check_port(boot_port, "--boot-port", allow_any=True)
    faults = [check_fraction(getattr(args, name, 0.0), f"--{name}")
              for name in ("loss", "duplicate", "delay", "reorder")]
    hosts = dict(getattr(args, "board_host", None) or [])
    try:
        board = serve(machine, getattr(args, "host", "127.0.0.1"), port, boot_port, *faults,
                      getattr(args, "seed", None), args.booted,
                      engine=check_engine(getattr(args, "engine", "python")),
                      ethernet_hosts=hosts,
                      answer_timeout=check_seconds(getattr(args, "answer_timeout",
                                                           ANSWER_TIMEOUT), "--answer-timeout"))
    except ValueError as error:  # a --board-host that is not another board's Ethernet chip
        raise SpinncError(f"--board-host: {error}") from None
    bmp = None
    try:
        if getattr(args, "bmp", None):
            from .bmp import VirtualBMP

            bmp_host, _, bmp_port = args.bmp.partition(":")
            bmp = VirtualBMP(board, bmp_host, check_port(bmp_port or SCP_PORT, "--bmp port"))
            bmp.start()
    except BaseException:
        board.close()
        raise
    host, port = board.address
    state = ("booted" if board.booted or board.boot_address is None
             else f"waiting for boot on UDP {board.boot_address[1]}")
    if bmp is not None:
        state = (f"boards without power until the BMP on {bmp.host}:{bmp.port} is told to "
                 "power them")
    print(f"virtual board ({machine}) serving SC&MP 4.0 on {host}:{port}, {state}; "
          "Ctrl-C stops it", flush=True)
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if bmp is not None:
            bmp.close()
        board.close()
        print(f"virtual board stopped: {board.counts}; host I/O: {board.live}", flush=True)
    return 0
