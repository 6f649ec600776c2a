"""The BMP of a virtual frame: the Board Management Processor that powers a
virtual machine's boards and holds their FPGAs' registers, over UDP as a real
frame's BC&MP answers (:mod:`spinnc.formats.bmp`).

Allocation servers drive it: spalloc-server powers a job's boards on, checks
each FPGA's number in its FLAG register, stops or starts the links at the
edge of the job, and powers the boards off when the job ends.  Board ``b`` of
the frame is board ``b`` of the :class:`~.board.VirtualBoard`'s machine (its
``ethernet_chips[b]``); switching power is :meth:`VirtualBoard.set_power`,
which cycles the machine as real boards are: unbooted, memories empty.

Answers
    VER: BC&MP 2.0.0.  POWER: the boards in arg2's mask on or off (a mask
    naming a board the frame does not have is RC_ARG).  FPGA read and write:
    the FLAG register (its FPGA's number) and the two STOP registers of each
    FPGA; any other register is RC_ARG, and an FPGA of a board without power
    RC_DEAD.  A board number (the SDP destination cpu) the frame does not have
    is RC_CPU.  The STOP registers are held and reported (:meth:`stopped_links`)
    but do not cut traffic between the virtual boards.
"""

import logging
import selectors
import socket
import struct
import threading

from ..errors import SpinncError
from ..formats.bmp import (FPGA_FLAG, N_FPGAS, POWER_OFF, POWER_ON, STOP_REGISTERS,
                           VERSION_TEXT, BMPCommand)
from ..formats.scp import SCP_HEADER, SCP_MIN, SCP_PORT, SDP_HEADER, ReturnCode, SDPHeader
from .board import BUILD_DATE, Reject, VirtualBoard, check_port

log = logging.getLogger(__name__)

class VirtualBMP:
    """The BMP of the frame of ``board``'s boards, serving on ``host:port``.

    Parameters
    ----------
    board : VirtualBoard
        The virtual machine whose boards this BMP powers.
    host : str
        Address to bind.  spalloc-server reaches a BMP on port 17893 of its
        own address, so a BMP beside a virtual board on the same computer
        needs another address (any of 127.0.0.0/8 on Linux).
    port : int
        UDP port (0: any free one).
    powered : bool
        Whether the boards start with power (a frame an allocation server
        manages starts with them off).
    """

    def __init__(self, board: VirtualBoard, host: str = "127.0.0.1", port: int = SCP_PORT,
                 powered: bool = False):
        self.board, self.host, self.port = board, host, check_port(port, "the BMP port", True)
        self.n_boards = len(board.machine.ethernet_chips)
        self.stop_registers: dict[tuple, int] = {}  # (board, fpga, address) -> value
        self.power_commands = 0  # POWER requests obeyed
        self.board.set_power(range(self.n_boards), powered)
        self._sock = self._thread = None
        self._closing = threading.Event()

    # -- the protocol ---------------------------------------------------------------

    def handle(self, datagram: bytes) -> list[bytes]:
        """The replies to one datagram (none if it asks for none or is not SCP)."""
        if len(datagram) < SCP_MIN:
            return []
        sdp = SDPHeader.unpack(datagram)
        cmd, seq, a1, a2, a3 = SCP_HEADER.unpack_from(datagram, SDP_HEADER.size)
        board = sdp.dest_port_cpu & 0x1F
        try:
            args, data = self._answer(cmd, board, a1, a2, a3, datagram[SCP_MIN:])
            rc = ReturnCode.OK
        except Reject as refused:
            log.debug("virtual BMP: command %d to board %d: %s", cmd, board, refused)
            args, data, rc = (), b"", refused.rc
        if not sdp.flags & 0x80:
            return []
        return [sdp.reply().pack() + struct.pack(f"<HH{len(args)}I", rc, seq, *args) + data]

    def _answer(self, cmd, board, a1, a2, a3, data):
        if board >= self.n_boards:
            raise Reject(ReturnCode.CPU, f"board {board}: the frame has boards 0 to "
                           f"{self.n_boards - 1}")
        if cmd == BMPCommand.VER:
            return (board, 0xFFFF0000 | 256, BUILD_DATE), VERSION_TEXT
        if cmd == BMPCommand.POWER:
            return self._power(a1, a2)
        if cmd in (BMPCommand.FPGA_READ, BMPCommand.FPGA_WRITE):
            return self._fpga(cmd, board, a1, a2, a3, data)
        raise Reject(ReturnCode.CMD, f"command {cmd}")

    def _power(self, a1, mask):
        op = a1 & 0xFFFF
        boards = [b for b in range(32) if mask >> b & 1]
        if op not in (POWER_ON, POWER_OFF) or not boards or max(boards) >= self.n_boards:
            raise Reject(ReturnCode.ARG, f"power op {op} on boards {boards}")
        self.board.set_power(boards, op == POWER_ON)
        if op == POWER_OFF:  # an FPGA loses its registers with its board's power
            for key in [k for k in self.stop_registers if k[0] in boards]:
                del self.stop_registers[key]
        self.power_commands += 1
        return (), b""

    def _fpga(self, cmd, board, address, length, fpga, data):
        if length != 4 or fpga >= N_FPGAS or address % 4:
            raise Reject(ReturnCode.ARG, f"FPGA {fpga} register {address:#x}, {length} bytes")
        if board in self.board.unpowered:
            raise Reject(ReturnCode.DEAD, f"board {board} has no power")
        stop = (fpga, address) in STOP_REGISTERS.values()
        if cmd == BMPCommand.FPGA_READ:
            if address == FPGA_FLAG:
                return (), struct.pack("<I", fpga)
            if stop:
                return (), struct.pack("<I", self.stop_registers.get((board, fpga, address), 0))
        elif stop and len(data) == 4:
            self.stop_registers[board, fpga, address] = struct.unpack("<I", data)[0] & 1
            return (), b""
        raise Reject(ReturnCode.ARG, f"FPGA {fpga} register {address:#x}")

    def stopped_links(self) -> set[tuple[int, int]]:
        """(board, link) of every link whose STOP register is set."""
        return {(board, link) for link, (fpga, address) in STOP_REGISTERS.items()
                for board in range(self.n_boards)
                if self.stop_registers.get((board, fpga, address))}

    # -- UDP --------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return self._sock.getsockname() if self._sock else (self.host, self.port)

    def start(self) -> "VirtualBMP":
        """Bind and serve in a daemon thread (SpinncError if it cannot bind)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            raise SpinncError(f"cannot serve the BMP on {self.host}:{self.port}: "
                              f"{error.strerror or error}; choose another address") from None
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, daemon=True, name="virtual-bmp")
        self._thread.start()
        return self

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._sock, selectors.EVENT_READ)
        while not self._closing.is_set():
            for _ in selector.select(0.1):
                try:
                    datagram, client = self._sock.recvfrom(65536)
                    for reply in self.handle(datagram):
                        self._sock.sendto(reply, client)
                except OSError:
                    continue
                except Exception:  # never let a datagram take the BMP down
                    log.exception("virtual BMP: a request failed")
        selector.close()

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._thread.join(5.0)
        if self._sock is not None:
            self._sock.close()
        self._sock = self._thread = None

    def __enter__(self) -> "VirtualBMP":
        return self.start() if self._sock is None else self

    def __exit__(self, *exc) -> None:
        self.close()
