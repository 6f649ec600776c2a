"""Live host I/O on the virtual board: the values of a run's host functions
go to the host through the root Ethernet chip's IP tag and come back through
its reverse IP tags (:mod:`spinnc.formats.host_io`), as SC&MP forwards them.

- IP tag :data:`~spinnc.formats.host_io.OUTPUT_TAG` (IPTAG SET, SDP header
  kept) says where each tick's messages of the ``host_out`` and ``host_in``
  cores go; they leave from the board's SCP socket, as a real board's do
  from its Ethernet address.
- A reverse IP tag (IPTAG SET with the reverse flag) binds a UDP port on the
  board's address; what arrives there is the answer for the ``host_in``
  core the tag names.

A real board does not wait for the host: a ``host_in`` core whose answer is
late resends its last one (``host_in.c``).  The emulated cores are not real
time, so the virtual board waits for each tick's answer, up to
``answer_timeout`` seconds, as a host infinitely faster than the machine
would have it there; an answer that does not come is counted late and the
tick goes on without it, as on a board.  So a host that keeps up gives the
emulator's results bit for bit.
"""

import socket
import threading
import time
from dataclasses import dataclass

import numpy as np

from .. import fixed
from ..formats import host_io
from ..formats.iptag import IPTagEntry as IPTag

ANSWER_TIMEOUT = 1.0  # seconds the board waits for a tick's answer
POLL = 0.05  # seconds between looks at whether the run was stopped, while waiting


@dataclass
class LiveCounts:
    """The host I/O a board's runs did."""

    to_host: int = 0  # datagrams sent through the output tag
    no_tag: int = 0  # messages dropped: the output tag was not set
    answers: int = 0  # ticks whose answer came in time
    late: int = 0  # ticks whose answer did not (the core resent its last)
    stale: int = 0  # answer datagrams for a tick already past, dropped
    malformed: int = 0  # datagrams at a reverse tag that were not answers


class ReverseTags:
    """The UDP ports the reverse IP tags bound, by tag."""

    def __init__(self, host: str):
        self.host = host
        self._sockets: dict[int, socket.socket] = {}
        self._lock = threading.Lock()

    def open(self, tag: int, port: int) -> str | None:
        """Bind ``port`` for ``tag`` (closing what the tag had); the reason
        if it cannot be bound."""
        self.close(tag)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, port))
        except OSError as error:
            sock.close()
            return f"cannot bind UDP port {port} on {self.host}: {error.strerror or error}"
        with self._lock:
            self._sockets[tag] = sock
        return None

    def close(self, tag: int | None = None) -> None:
        """Close ``tag``'s port (every tag's by default)."""
        with self._lock:
            tags = list(self._sockets) if tag is None else [tag]
            for t in tags:
                sock = self._sockets.pop(t, None)
                if sock is not None:
                    sock.close()

    def socket(self, tag: int) -> socket.socket | None:
        with self._lock:
            return self._sockets.get(tag)


class LiveLink:
    """The ``host(name, t, x)`` of an emulation on the board: each tick's
    messages sent to the host, its answer awaited (see the module docstring).

    Parameters
    ----------
    image : Image
        The run's Image (its host functions and the cores that serve them).
    tags : list of IPTag
        The root Ethernet chip's tag table (read each tick: the host may
        set or clear tags while the run goes on).
    reverse : ReverseTags
        The reverse tags' sockets.
    send : callable
        ``send(datagram, (ip, port))`` from the board's Ethernet address.
    counts : LiveCounts
        Where the I/O is counted.
    cancel : threading.Event
        Set when the run is stopped: waiting ends.
    answer_timeout : float
        Seconds to wait for a tick's answer.
    """

    def __init__(self, image, tags, reverse: ReverseTags, send, counts: LiveCounts,
                 cancel: threading.Event, answer_timeout: float = ANSWER_TIMEOUT):
        self.image, self.tags, self.reverse, self.send = image, tags, reverse, send
        self.counts, self.cancel, self.answer_timeout = counts, cancel, answer_timeout
        self.cores = {(c.name, c.application): (c.x, c.y, c.core) for c in image.cores
                      if c.application in ("host_in", "host_out")}
        self._drain_all()

    def __call__(self, name: str, t: float, x: np.ndarray):
        tick = round(t / self.image.dt) - 1
        out, into = self.cores.get((name, "host_out")), self.cores.get((name, "host_in"))
        messages = []
        if out is not None:
            messages += [(out, m) for m in host_io.machine_messages(tick, fixed.to_fixed(x)[0])]
        if into is not None:
            messages.append((into, host_io.request_message(tick)))
        reached = self._to_host(messages)
        if into is None:
            return np.zeros(0)
        sock = self._reverse_socket(into)
        if not reached or sock is None:
            self.counts.late += 1
            return None
        words = self._answer(sock, tick, int(self.image.host_functions[name]["size_out"]))
        if words is None:
            self.counts.late += 1
            return None
        self.counts.answers += 1
        return fixed.to_float(words)

    def _to_host(self, messages) -> bool:
        """Send through the output tag; False if it is not set."""
        tag = self.tags[host_io.OUTPUT_TAG]
        if not tag.flags & IPTag.IN_USE or tag.flags & IPTag.REVERSE:
            self.counts.no_tag += len(messages)
            return False
        address = (socket.inet_ntoa(tag.ip), tag.port)
        for (x, y, cpu), message in messages:
            self.send(host_io.pack_machine_datagram(x, y, cpu, message), address)
            self.counts.to_host += 1
        return True

    def _reverse_socket(self, core) -> socket.socket | None:
        x, y, cpu = core
        for number, tag in enumerate(self.tags):
            if (tag.flags & IPTag.IN_USE and tag.flags & IPTag.REVERSE
                    and tag.dest_addr == (x << 8 | y)
                    and tag.dest_port == (host_io.APP_PORT << 5 | cpu)):
                return self.reverse.socket(number)
        return None

    def _answer(self, sock: socket.socket, tick: int, size: int) -> np.ndarray | None:
        """Tick ``tick``'s whole answer from the reverse tag's socket, or None
        if it is not complete within the timeout."""
        values = host_io.Values(size)
        deadline = time.monotonic() + self.answer_timeout
        while not self.cancel.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(min(left, POLL))
            try:
                payload = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:  # the tag was cleared: its socket closed
                return None
            try:
                at, first, chunk = host_io.unpack_answer(payload)
            except ValueError:
                self.counts.malformed += 1
                continue
            if at < tick:
                self.counts.stale += 1
                continue
            if at > tick:  # no host answers ahead of its tick
                self.counts.malformed += 1
                continue
            try:
                if values.add(first, chunk):
                    return values.words
            except ValueError:  # past the answer's end
                self.counts.malformed += 1
        return None

    def _drain_all(self) -> None:
        """Forget what reached the reverse tags before the run."""
        for number in range(len(self.tags)):
            sock = self.reverse.socket(number)
            if sock is None:
                continue
            sock.settimeout(0)
            try:
                while True:
                    sock.recv(65536)
            except OSError:
                pass
