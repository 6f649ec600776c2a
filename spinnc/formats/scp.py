"""The SC&MP 4.0 wire format: SDP and SCP packets, boot packets, codes and
addresses, as in ``spinnaker/HOST_PROTOCOL.md``.

Shared by the host (:mod:`spinnc.host`) and the virtual board
(:mod:`spinnc.virtual_board`), so that both sides read and write the
same bytes.  SDP/SCP fields are little-endian; boot packets big-endian.

A UDP datagram is two padding bytes, the 8-byte SDP header, then the SDP
data; for SCP the data is a 16-byte header (cmd_rc, seq, arg1-3) and up to
256 bytes.  Replies carry only the args the command returns, so parsing a
reply takes the number of args expected (:func:`parse_scp`).
"""

import struct
from dataclasses import dataclass, field
from enum import IntEnum

from ..errors import ProtocolError
from .router_entry import ROUTER_ENTRY  # noqa: F401  (RTR LOAD's entries)

SCP_PORT = 17893
BOOT_PORT = 54321
MAX_DATA = 256  # bytes of SCP data in one packet
FLAG_REPLY = 0x87  # a reply is expected
FLAG_NO_REPLY = 0x07
TAG_HOST = 0xFF
HOST_PORT_CPU = 0xFF  # SDP source port 7, cpu 31: the host
ETHERNET_CHIP = (255, 255)  # "the chip this datagram reaches"

SDP_HEADER = struct.Struct("<2xBBBBBBBB")  # padding, flags, tag, dest pc, src pc, dy, dx, sy, sx
SCP_HEADER = struct.Struct("<HHIII")  # cmd_rc, seq, arg1, arg2, arg3
SCP_MIN = SDP_HEADER.size + SCP_HEADER.size  # SC&MP rejects shorter requests


class Command(IntEnum):
    """SCP command codes (SC&MP 4.0)."""

    VER = 0
    READ = 2
    WRITE = 3
    FILL = 5
    COUNT = 15
    LINK_READ = 17
    LINK_WRITE = 18
    AR = 19
    NNP = 20
    APP_COPY_RUN = 21
    SIG = 22
    AS = 24
    IPTAG = 26
    ALLOC = 28
    RTR = 29
    INFO = 31


#: How many args each command's reply carries before its data.  ALLOC and
#: RTR replies carry no data, so up to three args are read, as many as came
#: (ALLOC op 6 answers with two, RTR op 3 with the read bit with one).  IPTAG
#: depends on the op (GET's table starts where arg1 would be): its callers
#: say how many.
REPLY_ARGS = {Command.VER: 3, Command.READ: 0, Command.WRITE: 0, Command.FILL: 0,
              Command.COUNT: 1, Command.LINK_READ: 0, Command.LINK_WRITE: 0, Command.AR: 0,
              Command.NNP: 0, Command.APP_COPY_RUN: 0, Command.SIG: 0, Command.AS: 0,
              Command.ALLOC: 3, Command.RTR: 3, Command.INFO: 3}


class ReturnCode(IntEnum):
    """SCP return codes."""

    OK = 0x80
    LEN = 0x81
    SUM = 0x82
    CMD = 0x83
    ARG = 0x84
    PORT = 0x85
    TIMEOUT = 0x86
    ROUTE = 0x87
    CPU = 0x88
    DEAD = 0x89
    BUF = 0x8A
    P2P_NOREPLY = 0x8B
    P2P_REJECT = 0x8C
    P2P_BUSY = 0x8D
    P2P_TIMEOUT = 0x8E
    PKT_TX = 0x8F


#: Return codes after which the maintained host library sends the request again.
RETRYABLE = frozenset({ReturnCode.TIMEOUT, ReturnCode.P2P_TIMEOUT, ReturnCode.LEN,
                       ReturnCode.P2P_NOREPLY, ReturnCode.P2P_BUSY})


class State(IntEnum):
    """Application core states."""

    DEAD = 0
    POWER_DOWN = 1
    RUNTIME_EXCEPTION = 2
    WATCHDOG = 3
    INIT = 4
    WAIT = 5
    C_MAIN = 6
    RUN = 7
    SYNC0 = 8
    SYNC1 = 9
    PAUSED = 10
    EXIT = 11
    IDLE = 15


class Signal(IntEnum):
    INIT = 0
    POWER_DOWN = 1
    STOP = 2
    START = 3
    SYNC0 = 4
    SYNC1 = 5
    PAUSE = 6
    CONT = 7
    EXIT = 8
    TIMER = 9
    USR0 = 10
    USR1 = 11
    USR2 = 12
    USR3 = 13


class AllocOp(IntEnum):
    SDRAM = 0
    FREE_SDRAM = 1
    FREE_SDRAM_BY_APP = 2
    RTR = 3
    FREE_RTR = 4
    FREE_RTR_BY_APP = 5
    FREE_SPACE = 6
    TAG_POINTER = 7  # the SDRAM block holding a tag of an app id (arg2 = tag) -> arg1


#: ALLOC's extra flag (arg1 bits 23:16) asking for the block already holding
#: a tag when the size matches, so that a resent tagged ALLOC gets the block
#: the lost reply named (``ALLOC_TAG_RETRY`` in spinnaker_tools' sark.h).
ALLOC_TAG_RETRY = 4


class RouterOp(IntEnum):
    INIT = 0
    CLEAR = 1
    LOAD = 2
    FIXED = 3


class IPTagOp(IntEnum):
    NEW = 0
    SET = 1
    GET = 2
    CLEAR = 3
    TTO = 4


# -- memory the host touches (HOST_PROTOCOL.md, "Memory the host touches") -------------

SV_BASE = 0xF5007F00  # system variables, 256 bytes
SV_SIZE = 256
SV_P2P_ADDR, SV_P2P_DIMS, SV_HW_VER, SV_UNIX_TIME = 0x00, 0x02, 0x0A, 0x1C
SV_ROOT_CHIP, SV_IOBUF_SIZE, SV_SDRAM_SYS, SV_VCPU_BASE, SV_RTR_COPY = 0x40, 0x50, 0xC8, 0xCC, 0xD4
SDRAM_SYS = 0x67800000  # where binaries are staged on SpiNN-5
VCPU_BASE = 0xE5007000
VCPU_SIZE = 128
VCPU_STATE, VCPU_APP_ID, VCPU_APP_NAME, VCPU_IOBUF = 0x2E, 0x2F, 0x48, 0x58
VCPU_USER = (0x70, 0x74, 0x78, 0x7C)  # user0-user3
ROUTER_CONTROL = 0xE1000000
ROUTER_ERROR_STATUS = 0xE1000014
ROUTER_DIAGNOSTICS = 0xE1000300
IOBUF_HEADER = struct.Struct("<IIII")  # next, time, ms, length

# VER's data: exactly these bytes and nothing after.
VERSION_TEXT = b"SC&MP/SpiNNaker\x00" + b"4.0.0\x00"
UNBOOTED = 0xFFFF  # VER's p2p_addr before the chip is booted


def vcpu_address(core: int) -> int:
    """Where core ``core``'s vcpu block starts."""
    return VCPU_BASE + VCPU_SIZE * core


# -- SDP and SCP --------------------------------------------------------------------


def pack_port_cpu(port: int, cpu: int) -> int:
    return ((port & 7) << 5) | (cpu & 0x1F)


def unpack_port_cpu(byte: int) -> tuple[int, int]:
    return byte >> 5, byte & 0x1F


@dataclass
class SDPHeader:
    """The SDP header: who a packet is for and from.  ``dest`` and ``src``
    are (x, y) chips; ports/cpus are packed as on the wire."""

    flags: int = FLAG_REPLY
    tag: int = TAG_HOST
    dest_port_cpu: int = 0  # port 0, cpu 0: the monitor
    src_port_cpu: int = HOST_PORT_CPU
    dest: tuple[int, int] = ETHERNET_CHIP
    src: tuple[int, int] = (0, 0)

    def pack(self) -> bytes:
        return SDP_HEADER.pack(self.flags, self.tag, self.dest_port_cpu, self.src_port_cpu,
                               self.dest[1], self.dest[0], self.src[1], self.src[0])

    @classmethod
    def unpack(cls, datagram: bytes) -> "SDPHeader":
        if len(datagram) < SDP_HEADER.size:
            raise ProtocolError(f"SDP datagram of {len(datagram)} bytes is shorter than its "
                                f"{SDP_HEADER.size}-byte header")
        flags, tag, dpc, spc, dy, dx, sy, sx = SDP_HEADER.unpack_from(datagram)
        return cls(flags, tag, dpc, spc, (dx, dy), (sx, sy))

    def reply(self) -> "SDPHeader":
        """The header of a reply to this packet: source and destination swapped."""
        return SDPHeader(FLAG_NO_REPLY, self.tag, self.src_port_cpu, self.dest_port_cpu,
                         self.src, self.dest)


@dataclass
class SCPPacket:
    """An SCP request or reply: ``cmd_rc`` is the command in a request and the
    return code in a reply; ``args`` holds the args present (0-3)."""

    cmd_rc: int
    seq: int = 0
    args: tuple = ()
    data: bytes = b""
    sdp: SDPHeader = field(default_factory=SDPHeader)

    def pack(self) -> bytes:
        """The UDP datagram."""
        if len(self.args) > 3:
            raise ValueError(f"SCP packets carry at most 3 args, not {len(self.args)}")
        head = struct.pack(f"<HH{len(self.args)}I", self.cmd_rc & 0xFFFF, self.seq & 0xFFFF,
                           *(a & 0xFFFFFFFF for a in self.args))
        return self.sdp.pack() + head + bytes(self.data)


def request(command: int, seq: int, arg1: int = 0, arg2: int = 0, arg3: int = 0,
            data: bytes = b"", dest: tuple[int, int] = ETHERNET_CHIP, cpu: int = 0,
            reply: bool = True) -> bytes:
    """A request datagram: always all three args (SC&MP rejects fewer)."""
    if len(data) > MAX_DATA:
        raise ValueError(f"{len(data)} bytes of SCP data; at most {MAX_DATA} fit a packet")
    sdp = SDPHeader(FLAG_REPLY if reply else FLAG_NO_REPLY, TAG_HOST, pack_port_cpu(0, cpu),
                    HOST_PORT_CPU, dest, (0, 0))
    return SCPPacket(command, seq, (arg1, arg2, arg3), data, sdp).pack()


def parse_scp(datagram: bytes, n_args: int = 3) -> SCPPacket:
    """Parse an SCP datagram with up to ``n_args`` args (fewer if it is short:
    a request must be checked for length by its receiver)."""
    sdp = SDPHeader.unpack(datagram)
    body = datagram[SDP_HEADER.size:]
    if len(body) < 4:
        raise ProtocolError(f"SCP packet of {len(body)} bytes has no cmd_rc and seq")
    cmd_rc, seq = struct.unpack_from("<HH", body)
    n = min(n_args, (len(body) - 4) // 4)
    args = struct.unpack_from(f"<{n}I", body, 4)
    return SCPPacket(cmd_rc, seq, args, body[4 + 4 * n:], sdp)


def parse_reply(datagram: bytes, command: int) -> SCPPacket:
    """Parse a reply to ``command``: its args (as many as the command returns)
    then data.  IPTAG GET's table starts where arg1 would be (no args)."""
    return parse_scp(datagram, REPLY_ARGS.get(command, 0))


# -- boot ----------------------------------------------------------------------------

BOOT_HEADER = struct.Struct(">HIIII")  # version 1, opcode, arg1, arg2, arg3
BOOT_VERSION = 1
BOOT_HELLO, BOOT_START, BOOT_DATA, BOOT_END = 0x41, 1, 3, 5
BOOT_BLOCK = 1024  # bytes of boot image per data packet
BOOT_IMAGE_MAX = 32 * 1024
BOOT_VALUES = slice(384, 512)  # bytes of the image the host overwrites with boot values


@dataclass
class BootPacket:
    opcode: int
    arg1: int = 0
    arg2: int = 0
    arg3: int = 0
    data: bytes = b""  # a whole number of big-endian words

    def pack(self) -> bytes:
        return BOOT_HEADER.pack(BOOT_VERSION, self.opcode, self.arg1, self.arg2,
                                self.arg3) + self.data

    @classmethod
    def unpack(cls, datagram: bytes) -> "BootPacket":
        if len(datagram) < BOOT_HEADER.size:
            raise ProtocolError(f"boot packet of {len(datagram)} bytes is shorter than its "
                                f"{BOOT_HEADER.size}-byte header")
        version, opcode, a1, a2, a3 = BOOT_HEADER.unpack_from(datagram)
        if version != BOOT_VERSION:
            raise ProtocolError(f"boot packet version {version}; expected {BOOT_VERSION}")
        return cls(opcode, a1, a2, a3, datagram[BOOT_HEADER.size:])
