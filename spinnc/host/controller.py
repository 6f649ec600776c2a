"""Commands to a booted board: what SC&MP 4.0 does for a host
(``spinnaker/HOST_PROTOCOL.md``, "Commands"), one method per operation.

Chips are addressed by (x, y); (255, 255) is the Ethernet chip the datagrams
reach.  Bulk reads and writes are split into <= 256-byte packets sent with up
to 8 in flight.
"""

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..arch import SPINN1
from ..errors import BoardNotBooted, DoesNotFit, ProtocolError
from ..formats import scp
from ..formats.aplx import binary_checksum
from ..formats.iptag import REQUEST_REVERSE as IPTAG_FLAG_REVERSE
from ..formats.iptag import REQUEST_STRIP as IPTAG_FLAG_STRIP
from ..formats.iptag import IPTagEntry
from ..formats.router_entry import pack_entries
from ..formats.scp import (ETHERNET_CHIP, MAX_DATA, AllocOp, Command, IPTagOp, RouterOp, Signal,
                           State)
from .connection import RETRIES, TIMEOUT, WINDOW, ConnectionStats, Request, SCPConnection

N_CORES = SPINN1.cores_per_chip  # vcpu blocks, INFO core states
ROUTER_COUNTERS = 16  # words of router diagnostic counters
IPTAG_IN_USE, IPTAG_STRIP = IPTagEntry.IN_USE, IPTagEntry.STRIP


@dataclass
class Version:
    """VER's answer."""

    chip: tuple[int, int]  # (x, y) from p2p_addr; (255, 255) before boot
    physical_cpu: int
    virtual_cpu: int
    buffer_size: int
    build_date: int
    name: str  # "SC&MP/SpiNNaker"
    version: str  # "4.0.0"

    @property
    def booted(self) -> bool:
        return self.chip != (0xFF, 0xFF)


@dataclass
class ChipInfo:
    """INFO's answer about one chip."""

    x: int
    y: int
    n_cores: int  # cores on the chip, monitor included
    working_links: tuple[int, ...]  # link numbers 0-5 (E, NE, N, W, SW, S)
    largest_free_router_block: int
    ethernet_up: bool
    largest_free_sdram: int
    largest_free_sysram: int
    core_states: tuple[State | int, ...]  # of the 18 cores
    nearest_ethernet: tuple[int, int]
    ip_address: str
    root_link: int  # link towards the root chip


@dataclass
class SystemVariables:
    """The system variables (``sv``) a host uses."""

    p2p_addr: tuple[int, int]
    p2p_dims: tuple[int, int]  # (width, height) of the machine
    hw_ver: int
    unix_time: int
    root_chip: int
    iobuf_size: int
    sdram_sys: int  # where binaries are staged
    vcpu_base: int
    raw: bytes


@dataclass
class CoreStatus:
    """A core's vcpu block."""

    core: int
    state: State | int
    app_id: int
    app_name: str
    iobuf: int  # address of the first IOBUF block (0: none)
    user: tuple[int, int, int, int]  # user0-user3


@dataclass
class IPTag:
    """An IP tag table entry (IPTAG GET)."""

    tag: int
    in_use: bool
    ip_address: str
    port: int
    strip: bool
    flags: int
    count: int
    rx_port: int
    dest: tuple[int, int]  # (x, y) of a reverse tag's target
    dest_port_cpu: int


def _state(value: int) -> State | int:
    try:
        return State(value)
    except ValueError:
        return value


def _unit(address: int, length: int) -> int:
    """READ/WRITE's access unit by alignment: 2 word, 1 half-word, 0 byte."""
    if address % 4 == 0 and length % 4 == 0:
        return 2
    if address % 2 == 0 and length % 2 == 0:
        return 1
    return 0


def _ip(text: str) -> int:
    """An IPv4 address as SCP wants it: first octet in the low byte."""
    return int.from_bytes(socket.inet_aton(socket.gethostbyname(text)), "little")


class BoardController:
    """Talk to a board's monitor processors.

    Parameters
    ----------
    host : str
        Host name or IP address of the board's Ethernet chip.
    port, timeout, retries, window
        As :class:`~spinnc.host.connection.SCPConnection`.
    connection : SCPConnection, optional
        Use this connection (e.g. one with other retry settings) instead of
        opening one to ``host``.

    Examples
    --------
    With a virtual board standing in for a SpiNN-3:

    >>> from spinnc.machine import Machine
    >>> from spinnc.virtual_board.board import serve
    >>> virtual = serve(Machine.spinn3(), port=0, boot_port=0, booted=True)
    >>> with BoardController(*virtual.address) as board:
    ...     _ = board.ensure_booted()
    ...     board.write(0, 0, 0x60000000, b"hello")
    ...     board.read(0, 0, 0x60000000, 5)
    b'hello'
    >>> virtual.close()
    """

    def __init__(self, host: str | None = None, port: int = scp.SCP_PORT, timeout: float = TIMEOUT,
                 retries: int = RETRIES, window: int = WINDOW,
                 connection: SCPConnection | None = None):
        self.connection = connection or SCPConnection(host, port, timeout, retries, window)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "BoardController":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def stats(self) -> ConnectionStats:
        """The connection's counts of requests, resends and timeouts."""
        return self.connection.stats

    def _do(self, command, chip=ETHERNET_CHIP, arg1=0, arg2=0, arg3=0, data=b"", cpu=0,
            n_args=None, what="") -> scp.SCPPacket:
        return self.connection.transact(Request(command, tuple(chip), cpu, arg1, arg2, arg3,
                                                data, n_args, what))

    # -- version and boot state --------------------------------------------------

    def version(self, x: int = 255, y: int = 255, cpu: int = 0) -> Version:
        """VER: who answers and which software it runs."""
        reply = self._do(Command.VER, (x, y), cpu=cpu)
        arg1, arg2, arg3 = (tuple(reply.args) + (0, 0, 0))[:3]
        p2p = arg1 >> 16
        parts = bytes(reply.data).split(b"\x00")
        return Version((p2p >> 8, p2p & 0xFF), (arg1 >> 8) & 0xFF, arg1 & 0xFF,
                       arg2 & 0xFFFF, arg3, parts[0].decode("ascii", "replace"),
                       (parts[1] if len(parts) > 1 else b"").decode("ascii", "replace"))

    def ensure_booted(self) -> Version:
        """VER on the Ethernet chip; raise :class:`BoardNotBooted` if SC&MP has
        not booted the board yet."""
        version = self.version()
        if not version.booted:
            address = self.connection.address
            raise BoardNotBooted(
                f"the board at {address[0]}:{address[1]} answers but is not booted "
                "(VER reports p2p address 0xFFFF): boot it first with "
                "spinnc.host.boot(host) (a real board needs its SC&MP scamp.boot image)")
        return version

    # -- memory ------------------------------------------------------------------

    def read(self, x: int, y: int, address: int, length: int) -> bytes:
        """READ ``length`` bytes at ``address`` of chip (x, y)."""
        return self.read_many([(x, y, address, length)])[0]

    def read_many(self, blocks: Iterable[tuple[int, int, int, int]]) -> list[bytes]:
        """READ several (x, y, address, length) blocks, all their packets
        pipelined; returns each block's bytes."""
        requests, owners = [], []
        blocks = list(blocks)
        for i, (x, y, address, length) in enumerate(blocks):
            for offset in range(0, length, MAX_DATA):
                n = min(MAX_DATA, length - offset)
                requests.append(Request(Command.READ, (x, y), 0, address + offset, n,
                                        _unit(address + offset, n)))
                owners.append(i)
        parts = [[] for _ in blocks]
        for owner, reply, request in zip(owners, self.connection.transact_many(requests),
                                         requests):
            data = bytes(reply.data)
            if len(data) != request.arg2:
                raise scp_length_error(request, len(data))
            parts[owner].append(data)
        return [b"".join(p) for p in parts]

    def write(self, x: int, y: int, address: int, data: bytes) -> None:
        """WRITE ``data`` at ``address`` of chip (x, y)."""
        self.write_many([(x, y, address, data)])

    def write_many(self, blocks: Iterable[tuple[int, int, int, bytes]]) -> None:
        """WRITE several (x, y, address, data) blocks, all packets pipelined."""
        requests = []
        for x, y, address, data in blocks:
            data = memoryview(bytes(data))
            for offset in range(0, len(data), MAX_DATA):
                chunk = data[offset:offset + MAX_DATA]
                requests.append(Request(Command.WRITE, (x, y), 0, address + offset,
                                        len(chunk), _unit(address + offset, len(chunk)),
                                        bytes(chunk)))
        self.connection.transact_many(requests)

    def read_word(self, x: int, y: int, address: int) -> int:
        """The little-endian 32-bit word at ``address`` of chip (x, y)."""
        return int.from_bytes(self.read(x, y, address, 4), "little")

    def write_word(self, x: int, y: int, address: int, value: int) -> None:
        """Write a little-endian 32-bit word at ``address`` of chip (x, y)."""
        self.write(x, y, address, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    def fill(self, x: int, y: int, address: int, word: int, n_bytes: int) -> None:
        """FILL ``n_bytes`` at ``address`` with the repeated 32-bit ``word``."""
        self._do(Command.FILL, (x, y), address, word, n_bytes)

    # -- applications ------------------------------------------------------------

    def count(self, app_id: int, state: int, chips=(ETHERNET_CHIP,)) -> int:
        """COUNT: cores of application ``app_id`` in ``state``, summed over
        the boards whose Ethernet chips are ``chips``."""
        return sum(self._do(Command.COUNT, chip, app_id, int(state)).args[0]
                   for chip in chips)

    def app_run(self, x: int, y: int, app_id: int, cores: Iterable[int],
                wait: bool = True) -> None:
        """AR: run the binary staged at chip (x, y)'s sdram_sys on ``cores``
        (with ``wait`` they stop in WAIT until signal start)."""
        self._do(Command.AR, (x, y), app_word(app_id, cores, wait),
                 what=f"AR of app {app_id} on cores {sorted(cores)}")

    def app_copy_run(self, x: int, y: int, link: int, binary: bytes, app_id: int,
                     cores: Iterable[int], wait: bool = True) -> None:
        """APP_COPY_RUN: chip (x, y) copies ``binary`` (staged at the sdram_sys
        of its neighbour over ``link``) to its own sdram_sys, checks it and runs
        it on ``cores``."""
        arg1 = (binary_checksum(binary) & 0x1FFFFFFF) << 3 | (link & 7)
        self._do(Command.APP_COPY_RUN, (x, y), arg1, len(binary),
                 app_word(app_id, cores, wait))

    def signal(self, signal: int, app_id: int, app_mask: int = 0xFF, kind: int = 0) -> None:
        """SIG: send ``signal`` to the cores of ``app_id`` (``kind`` 0
        multicast, 2 nearest-neighbour), through the root chip."""
        self._do(Command.SIG, ETHERNET_CHIP, kind,
                 int(signal) << 16 | (app_mask & 0xFF) << 8 | (app_id & 0xFF), 0xFFFF,
                 what=f"SIG {Signal(signal).name} to app {app_id}")

    def stop(self, app_id: int) -> None:
        """Signal stop: the cores of ``app_id`` go back to IDLE and its SDRAM
        and router entries are freed."""
        self.signal(Signal.STOP, app_id)

    # -- IP tags -----------------------------------------------------------------

    def iptag_new(self, host: str, port: int, strip: bool = True, x: int = 255,
                  y: int = 255) -> int:
        """IPTAG NEW: allocate a tag sending to host:port; returns the tag."""
        flags = IPTAG_FLAG_STRIP if strip else 0
        reply = self._do(Command.IPTAG, (x, y), flags | IPTagOp.NEW << 16, port & 0xFFFF,
                         _ip(host), n_args=1)
        return reply.args[0]

    def iptag_set(self, tag: int, host: str, port: int, strip: bool = True, x: int = 255,
                  y: int = 255) -> None:
        """IPTAG SET: tag ``tag`` sends to host:port."""
        flags = IPTAG_FLAG_STRIP if strip else 0
        self._do(Command.IPTAG, (x, y), flags | IPTagOp.SET << 16 | (tag & 0xFF),
                 port & 0xFFFF, _ip(host), n_args=0)

    def reverse_iptag_set(self, tag: int, rx_port: int, core: tuple[int, int, int],
                          sdp_port: int = 1, x: int = 255, y: int = 255) -> None:
        """IPTAG SET of a reverse tag: UDP to the board's ``rx_port`` reaches
        ``core`` (x, y, cpu) as SDP on ``sdp_port``."""
        cx, cy, cpu = core
        self._do(Command.IPTAG, (x, y), IPTAG_FLAG_REVERSE | IPTagOp.SET << 16
                 | ((sdp_port & 7) << 5 | (cpu & 0x1F)) << 8 | (tag & 0xFF),
                 (cx << 8 | cy) << 16 | (rx_port & 0xFFFF), 0, n_args=0)

    def iptag_get(self, tag: int, x: int = 255, y: int = 255) -> IPTag:
        """IPTAG GET: the tag's entry."""
        reply = self._do(Command.IPTAG, (x, y), IPTagOp.GET << 16 | (tag & 0xFF), 1,
                         n_args=0)
        entry = IPTagEntry.unpack(reply.data)
        return IPTag(tag, bool(entry.flags & IPTAG_IN_USE), socket.inet_ntoa(entry.ip),
                     entry.port, bool(entry.flags & IPTAG_STRIP), entry.flags, entry.count,
                     entry.rx_port, (entry.dest_addr >> 8, entry.dest_addr & 0xFF),
                     entry.dest_port)

    def iptag_clear(self, tag: int, x: int = 255, y: int = 255) -> None:
        """IPTAG CLR: free the tag."""
        self._do(Command.IPTAG, (x, y), IPTagOp.CLEAR << 16 | (tag & 0xFF), n_args=0)

    def iptag_sizes(self, x: int = 255, y: int = 255) -> tuple[int, int]:
        """(pool size, fixed size) of the tag table (IPTAG TTO with arg2 = 255
        changes nothing and answers with the sizes)."""
        word = self._do(Command.IPTAG, (x, y), IPTagOp.TTO << 16, 255, n_args=1).args[0]
        return (word >> 16) & 0xFF, (word >> 24) & 0xFF

    # -- allocation --------------------------------------------------------------

    def alloc_sdram(self, x: int, y: int, size: int, app_id: int, tag: int = 0) -> int:
        """ALLOC op 0: ``size`` bytes of SDRAM on chip (x, y) for ``app_id``;
        returns the address.  :class:`DoesNotFit` if the chip has no room."""
        return self.alloc_sdram_many([(x, y, size, app_id, tag)])[0]

    def alloc_sdram_many(self, blocks: Iterable[tuple[int, int, int, int, int]],
                         retry: bool = False) -> list[int]:
        """ALLOC op 0 for several (x, y, size, app_id, tag), pipelined; with
        ``retry`` a tag already held by a block of the same size gives that
        block (SC&MP's ALLOC_TAG_RETRY: a resend after a lost reply)."""
        blocks = list(blocks)
        flags = scp.ALLOC_TAG_RETRY << 16 if retry else 0
        replies = self.connection.transact_many(
            Request(Command.ALLOC, (x, y), 0, flags | app_id << 8 | AllocOp.SDRAM, size, tag,
                    what=f"ALLOC of {size} bytes of SDRAM for app {app_id}")
            for x, y, size, app_id, tag in blocks)
        addresses = [r.args[0] if r.args else 0 for r in replies]
        for (x, y, size, app_id, _), address in zip(blocks, addresses):
            if address == 0:
                total, largest = self.free_space(x, y)
                raise DoesNotFit(
                    f"chip ({x}, {y}) cannot allocate {size} bytes of SDRAM for app {app_id}: "
                    f"its largest free block is {largest} bytes ({total} free in all); "
                    "use a machine with more room or free the board's applications")
        return addresses

    def free_sdram(self, x: int, y: int, address: int) -> None:
        """ALLOC op 1: free the block at ``address``."""
        self._do(Command.ALLOC, (x, y), AllocOp.FREE_SDRAM, address)

    def free_sdram_by_app(self, x: int, y: int, app_id: int) -> int:
        """ALLOC op 2: free every block of ``app_id``; returns how many."""
        return self._do(Command.ALLOC, (x, y), app_id << 8 | AllocOp.FREE_SDRAM_BY_APP).args[0]

    def alloc_router_entries(self, x: int, y: int, count: int, app_id: int) -> int:
        """ALLOC op 3: ``count`` router entries; returns the first index."""
        index = self._do(Command.ALLOC, (x, y), app_id << 8 | AllocOp.RTR, count).args[0]
        if index == 0:
            raise DoesNotFit(
                f"chip ({x}, {y}) cannot allocate {count} router entries for app {app_id}: "
                f"{self.info(x, y).largest_free_router_block} is its largest free block; "
                "free the board's applications or use a smaller table")
        return index

    def free_router_entries(self, x: int, y: int, index: int) -> None:
        """ALLOC op 4: free the router entries allocated at ``index``."""
        self._do(Command.ALLOC, (x, y), AllocOp.FREE_RTR, index)

    def free_router_entries_by_app(self, x: int, y: int, app_id: int) -> int:
        """ALLOC op 5: free every router entry of ``app_id``."""
        return self._do(Command.ALLOC, (x, y), app_id << 8 | AllocOp.FREE_RTR_BY_APP).args[0]

    def free_space(self, x: int, y: int) -> tuple[int, int]:
        """ALLOC op 6: (total free, largest free block) of SDRAM, bytes."""
        args = self._do(Command.ALLOC, (x, y), AllocOp.FREE_SPACE, n_args=2).args
        return tuple((tuple(args) + (0, 0))[:2])

    # -- router ------------------------------------------------------------------

    def router_init(self, x: int, y: int) -> None:
        """RTR op 0: clear the whole table."""
        self._do(Command.RTR, (x, y), RouterOp.INIT)

    def router_clear(self, x: int, y: int, entry: int) -> None:
        """RTR op 1: clear one entry."""
        self._do(Command.RTR, (x, y), RouterOp.CLEAR, entry)

    def fixed_route(self, x: int, y: int, route: int | None = None) -> int | None:
        """RTR op 3: set the fixed route (or read it when ``route`` is None)."""
        if route is None:
            return self._do(Command.RTR, (x, y), RouterOp.FIXED, 1 << 31, n_args=1).args[0]
        self._do(Command.RTR, (x, y), RouterOp.FIXED, route & 0x7FFFFFFF)
        return None

    def load_routing_table(self, x: int, y: int, table: np.ndarray, app_id: int) -> int:
        """Load a table (routing ``ENTRY`` array or rows of key, mask, route) in
        first-match order: ALLOC router entries, stage them in SDRAM, RTR LOAD,
        free the buffer.  Returns the first index (0 if the table is empty)."""
        entries = router_entries(table, app_id)
        if len(entries) == 0:
            return 0
        index = self.alloc_router_entries(x, y, len(entries), app_id)
        buffer = self.alloc_sdram(x, y, entries.nbytes, app_id)
        self.write(x, y, buffer, entries.tobytes())
        self._do(Command.RTR, (x, y), len(entries) << 16 | (app_id & 0xFF) << 8 | RouterOp.LOAD,
                 buffer, index, what=f"RTR LOAD of {len(entries)} entries at index {index}")
        self.free_sdram(x, y, buffer)
        return index

    def router_counters(self, x: int, y: int) -> np.ndarray:
        """The 16 router diagnostic counters of chip (x, y)."""
        return np.frombuffer(self.read(x, y, scp.ROUTER_DIAGNOSTICS, 4 * ROUTER_COUNTERS),
                             dtype="<u4").copy()

    # -- chip state --------------------------------------------------------------

    def info(self, x: int, y: int) -> ChipInfo:
        """INFO: cores, links, free memory and core states of chip (x, y)."""
        return parse_info(x, y, self._do(Command.INFO, (x, y)))

    def info_many(self, chips: Iterable[tuple[int, int]]) -> list[ChipInfo]:
        """INFO of several chips, pipelined."""
        chips = [tuple(chip) for chip in chips]
        replies = self.connection.transact_many(Request(Command.INFO, chip) for chip in chips)
        return [parse_info(x, y, reply) for (x, y), reply in zip(chips, replies)]

    def system_variables(self, x: int = 0, y: int = 0) -> SystemVariables:
        """The system variables of chip (x, y)."""
        raw = self.read(x, y, scp.SV_BASE, scp.SV_SIZE)

        def u(offset, size):
            return int.from_bytes(raw[offset:offset + size], "little")

        p2p, dims = u(scp.SV_P2P_ADDR, 2), u(scp.SV_P2P_DIMS, 2)
        return SystemVariables((p2p >> 8, p2p & 0xFF), (dims >> 8, dims & 0xFF),
                               u(scp.SV_HW_VER, 1), u(scp.SV_UNIX_TIME, 4),
                               u(scp.SV_ROOT_CHIP, 1), u(scp.SV_IOBUF_SIZE, 4),
                               u(scp.SV_SDRAM_SYS, 4), u(scp.SV_VCPU_BASE, 4), raw)

    def core_status(self, x: int, y: int, cores: Iterable[int] | None = None
                    ) -> list[CoreStatus]:
        """The vcpu blocks of ``cores`` (default all 18) of chip (x, y), read
        in one pipelined sweep."""
        cores = list(range(N_CORES) if cores is None else cores)
        blocks = self.read_many((x, y, scp.vcpu_address(c), scp.VCPU_SIZE) for c in cores)
        return [parse_vcpu(c, block) for c, block in zip(cores, blocks)]

    def iobuf(self, x: int, y: int, core: int, max_blocks: int = 64) -> str:
        """The text a core wrote to its IOBUF (a linked list of blocks, each a
        16-byte header ``next, time, ms, length`` and then text)."""
        address = self.core_status(x, y, [core])[0].iobuf
        text, seen = [], set()
        while address and address not in seen and len(seen) < max_blocks:
            seen.add(address)
            header = self.read(x, y, address, scp.IOBUF_HEADER.size)
            following, _, _, length = scp.IOBUF_HEADER.unpack(header)
            if length:
                text.append(self.read(x, y, address + scp.IOBUF_HEADER.size, length))
            address = following
        return b"".join(text).decode("ascii", errors="replace")


def parse_info(x: int, y: int, reply: scp.SCPPacket) -> ChipInfo:
    """INFO's reply about chip (x, y)."""
    arg1, arg2, arg3 = (tuple(reply.args) + (0, 0, 0))[:3]
    data = bytes(reply.data).ljust(N_CORES + 8, b"\x00")
    links = tuple(link for link in range(6) if arg1 >> (8 + link) & 1)
    states = tuple(_state(s) for s in data[:N_CORES])
    ey, ex = data[N_CORES], data[N_CORES + 1]
    ip = socket.inet_ntoa(data[N_CORES + 2:N_CORES + 6])
    root_link = int.from_bytes(data[N_CORES + 6:N_CORES + 8], "little")
    return ChipInfo(x, y, arg1 & 0x1F, links, (arg1 >> 14) & 0x7FF, bool(arg1 >> 25 & 1),
                    arg2, arg3, states, (ex, ey), ip, root_link)


def parse_vcpu(core: int, block: bytes) -> CoreStatus:
    """A vcpu block's fields (128 bytes)."""
    name = block[scp.VCPU_APP_NAME:scp.VCPU_APP_NAME + 16].split(b"\x00", 1)[0]
    user = struct.unpack_from("<4I", block, scp.VCPU_USER[0])
    return CoreStatus(core, _state(block[scp.VCPU_STATE]), block[scp.VCPU_APP_ID],
                      name.decode("ascii", "replace"),
                      int.from_bytes(block[scp.VCPU_IOBUF:scp.VCPU_IOBUF + 4], "little"), user)


def router_entries(table, app_id: int) -> np.ndarray:
    """A routing table as the 16-byte entries RTR LOAD reads, in the same order
    (:func:`spinnc.formats.router_entry.pack_entries`)."""
    return pack_entries(table, app_id)


def app_word(app_id: int, cores: Iterable[int], wait: bool) -> int:
    """AR/APP_COPY_RUN's app_id<<24 | flags<<18 | core mask (flag bit 0:
    wait in WAIT for signal start)."""
    mask = 0
    for core in cores:
        mask |= 1 << core
    return (app_id & 0xFF) << 24 | int(wait) << 18 | mask & ((1 << N_CORES) - 1)


def scp_length_error(request: Request, got: int) -> ProtocolError:
    return ProtocolError(f"{request.describe()}: the reply carries {got} bytes, not "
                         f"{request.arg2}; the board is not speaking SC&MP 4.0 correctly")
