"""A UDP SCP connection to one board: sequence numbers, timeouts, retries and
up to 8 requests in flight.

The retry policy is the one the maintained host library uses
(``spinnaker/HOST_PROTOCOL.md``, "Return codes"): a 1 s timeout per try, up
to 10 resends, a resend also after the retryable return codes
(:data:`scp.RETRYABLE`, after ~0.1 s), and at most 8 outstanding requests
matched to their replies by the 16-bit sequence number.  A resend keeps its
sequence number, so whichever copy's reply comes first completes the request
and a late duplicate is ignored like any reply nobody waits for.
"""

import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import ProtocolError, ProtocolTimeout, SCPError
from ..formats import scp
from ..formats.scp import ETHERNET_CHIP, Command, ReturnCode

WINDOW = 8  # requests in flight (what SC&MP buffers)
TIMEOUT = 1.0  # seconds per try
RETRIES = 10  # resends after the first try
RETRY_DELAY = 0.1  # seconds before resending after a retryable return code
DATAGRAM_MAX = 1024  # larger than any SCP reply (2 + 8 + 16 + 256 bytes)

# What a failing return code usually means, for the error message.
_HINTS = {
    ReturnCode.ARG: "an argument is out of range (address, length, op or count)",
    ReturnCode.ROUTE: "the chip does not exist, is dead or cannot be reached",
    ReturnCode.CMD: "the monitor does not know this command",
    ReturnCode.LEN: "the packet length is wrong for this command",
    ReturnCode.CPU: "the core does not exist or is not responding",
    ReturnCode.DEAD: "the core or chip is dead",
}


@dataclass
class Request:
    """One SCP request.

    ``chip`` is (x, y), (255, 255) for the Ethernet chip the datagram reaches;
    ``n_args`` is how many args the reply carries before its data (by default
    :data:`scp.REPLY_ARGS` of the command); ``what`` describes it for errors
    (by default from the command and args).
    """

    command: int
    chip: tuple[int, int] = ETHERNET_CHIP
    cpu: int = 0
    arg1: int = 0
    arg2: int = 0
    arg3: int = 0
    data: bytes = b""
    n_args: int | None = None
    what: str = ""

    def describe(self) -> str:
        """The request and where it went, as in error messages."""
        what = self.what or _describe_command(self)
        where = ("the Ethernet chip" if tuple(self.chip) == ETHERNET_CHIP
                 else f"chip ({self.chip[0]}, {self.chip[1]})")
        return f"{what} on {where}" + (f" core {self.cpu}" if self.cpu else "")


def _describe_command(request: Request) -> str:
    try:
        name = Command(request.command).name
    except ValueError:
        name = f"command {request.command}"
    if request.command in (Command.READ, Command.WRITE):
        return f"{name} of {request.arg2} bytes at {request.arg1:#010x}"
    return f"{name} ({request.arg1:#x}, {request.arg2:#x}, {request.arg3:#x})"


def rc_name(rc: int) -> str:
    """A return code by name, e.g. ``RC_ARG`` (or its number if unknown)."""
    try:
        return f"RC_{ReturnCode(rc).name}"
    except ValueError:
        return f"return code {rc:#04x}"


@dataclass
class ConnectionStats:
    """What a connection has done: for run summaries and benchmarks."""

    requests: int = 0  # requests completed
    sent: int = 0  # datagrams sent, resends included
    retries: int = 0  # resends, for any reason
    timeouts: int = 0  # tries that got no reply in time
    retry_codes: int = 0  # replies with a retryable return code
    ignored: int = 0  # replies matching no outstanding request (late duplicates)
    max_tries: int = 0  # the most tries a completed request needed


@dataclass
class _Pending:
    index: int
    datagram: bytes
    deadline: float
    tries: int = 1
    resend_due: bool = False  # the deadline is a resend after a retryable code
    last_rc: int | None = None


@dataclass
class SCPConnection:
    """A UDP connection to a board's monitor (SC&MP) on ``host:port``.

    Parameters
    ----------
    host : str
        The board's host name or IP address.
    port : int
        Its SCP port (17893 on a real board).
    timeout : float
        Seconds to wait for each try of a request.
    retries : int
        How many times a request is resent before giving up.
    window : int
        Most requests in flight at once (1-8).

    Use it as a context manager, or call :meth:`close`.
    """

    host: str
    port: int = scp.SCP_PORT
    timeout: float = TIMEOUT
    retries: int = RETRIES
    window: int = WINDOW
    retry_delay: float = RETRY_DELAY
    stats: ConnectionStats = field(default_factory=ConnectionStats)

    def __post_init__(self):
        if not 1 <= self.window <= WINDOW:
            raise ValueError(f"window must be 1 to {WINDOW} requests, not {self.window}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or \
                not 1 <= self.port <= 65535:
            raise ProtocolError(f"port {self.port!r} of the board at {self.host}: give a UDP "
                                "port number from 1 to 65535")
        # Replies must come from where the requests went: compare resolved addresses.
        try:
            self.address = (socket.gethostbyname(self.host), self.port)
        except OSError as error:  # socket.gaierror: no such host
            raise ProtocolError(f"cannot find the board {self.host!r}: "
                                f"{error.strerror or error}; give its host name or IP "
                                "address") from None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("", 0))
        self._seq = 0
        self._lock = threading.Lock()  # one transaction at a time per socket

    @property
    def local_port(self) -> int:
        """The host-side UDP port the replies come back to."""
        return self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> "SCPConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------

    def transact(self, request: Request) -> scp.SCPPacket:
        """Send one request and return its (OK) reply.

        Raises
        ------
        ProtocolTimeout
            No reply after ``1 + retries`` tries.
        SCPError
            A non-OK return code (retryable ones only after every retry).
        """
        return self.transact_many([request])[0]

    def transact_many(self, requests: Iterable[Request],
                      window: int | None = None) -> list[scp.SCPPacket]:
        """Send requests with up to ``window`` (default: the connection's) in
        flight and return their OK replies in request order.

        Replies may come in any order, duplicated or not at all: each is
        matched to its request by sequence number, and a request without a
        reply is resent after ``timeout``.  Errors as :meth:`transact`; the
        first failing request raises and the rest are abandoned.
        """
        requests = list(requests)
        window = self.window if window is None else max(1, min(window, WINDOW))
        replies: list = [None] * len(requests)
        with self._lock:
            pending: dict[int, _Pending] = {}
            sent = 0
            while sent < len(requests) or pending:
                while sent < len(requests) and len(pending) < window:
                    seq = self._next_seq(pending)
                    r = requests[sent]
                    datagram = scp.request(r.command, seq, r.arg1, r.arg2, r.arg3, r.data,
                                           tuple(r.chip), r.cpu)
                    pending[seq] = _Pending(sent, datagram, time.monotonic() + self.timeout)
                    self._send(datagram)
                    sent += 1
                self._receive(pending, requests, replies)
                self._resend_expired(pending, requests)
        return replies

    def _next_seq(self, pending) -> int:
        while True:
            self._seq = (self._seq + 1) & 0xFFFF
            if self._seq not in pending:
                return self._seq

    def _send(self, datagram: bytes) -> None:
        self._socket.sendto(datagram, self.address)
        self.stats.sent += 1

    def _receive(self, pending, requests, replies) -> None:
        """Wait until a reply arrives or the earliest deadline passes."""
        wait = min(p.deadline for p in pending.values()) - time.monotonic()
        if wait <= 0:
            return
        self._socket.settimeout(wait)
        try:
            datagram, address = self._socket.recvfrom(DATAGRAM_MAX)
        except (TimeoutError, BlockingIOError, ConnectionRefusedError):
            return
        self._settle(datagram, address, pending, requests, replies)
        # Take whatever else has arrived without waiting again.
        self._socket.settimeout(0)
        while pending:
            try:
                datagram, address = self._socket.recvfrom(DATAGRAM_MAX)
            except (TimeoutError, BlockingIOError, ConnectionRefusedError):
                return
            self._settle(datagram, address, pending, requests, replies)

    def _settle(self, datagram, address, pending, requests, replies) -> None:
        """Complete, retry or fail the request a reply answers (or ignore it)."""
        if address != self.address or len(datagram) < scp.SDP_HEADER.size + 4:
            self.stats.ignored += 1
            return
        seq = int.from_bytes(datagram[scp.SDP_HEADER.size + 2:scp.SDP_HEADER.size + 4],
                             "little")
        p = pending.get(seq)
        if p is None:
            self.stats.ignored += 1
            return
        request = requests[p.index]
        n_args = request.n_args if request.n_args is not None else \
            scp.REPLY_ARGS.get(request.command, 0)
        reply = scp.parse_scp(datagram, n_args)
        if reply.cmd_rc == ReturnCode.OK:
            replies[p.index] = reply
            del pending[seq]
            self.stats.requests += 1
            self.stats.max_tries = max(self.stats.max_tries, p.tries)
        elif reply.cmd_rc in scp.RETRYABLE and p.tries <= self.retries:
            self.stats.retry_codes += 1
            p.resend_due, p.last_rc = True, reply.cmd_rc
            p.deadline = time.monotonic() + self.retry_delay
        else:
            raise self._error(request, reply.cmd_rc, p.tries)

    def _resend_expired(self, pending, requests) -> None:
        now = time.monotonic()
        for p in pending.values():
            if p.deadline > now:
                continue
            if not p.resend_due:
                self.stats.timeouts += 1
            if p.tries > self.retries:
                request = requests[p.index]
                if p.last_rc is not None and p.resend_due:
                    raise self._error(request, p.last_rc, p.tries)
                raise ProtocolTimeout(
                    f"no reply to {request.describe()} from {self.address[0]}:"
                    f"{self.address[1]} after {p.tries} tries ({self.timeout:g} s each): "
                    "check that the board is powered, booted (spinnc.host.boot) and "
                    "reachable at that address and port")
            p.tries += 1
            p.resend_due = False
            p.deadline = now + self.timeout
            self.stats.retries += 1
            self._send(p.datagram)

    def _error(self, request: Request, rc: int, tries: int) -> SCPError:
        message = f"{request.describe()}: {rc_name(rc)}"
        try:
            hint = _HINTS.get(ReturnCode(rc))
        except ValueError:
            hint = None
        if hint:
            message += f" ({hint})"
        if rc in scp.RETRYABLE:
            message += f", still after {tries} tries"
        return SCPError(message, rc)
